//! Enums whose every variant has one stable text: its form on the wire, in the database and in
//! the law's data files.

/// Implements `ALL` (in the order given), `as_str` and `parse` for a fieldless enum from one
/// list of `Variant => "text"` pairs, so the three can never disagree: a variant left out of
/// the list fails to compile (`as_str` must match every variant), and `parse` is `as_str`
/// backwards.
#[macro_export]
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in the order of the list.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The variant's text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant with this text, if any.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}
