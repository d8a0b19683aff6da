//! A familiarisation grant: the investigator's permission to see materials — all of them or a
//! list — until a time or revoked.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub scope_all: bool,
    pub material_ids: Vec<i64>,
    pub until_unix: Option<i64>,
    pub revoked: bool,
}

impl Grant {
    pub fn is_live(&self, now_unix: i64) -> bool {
        !self.revoked && self.until_unix.is_none_or(|until| now_unix < until)
    }

    pub fn covers(&self, material_id: i64, now_unix: i64) -> bool {
        self.is_live(now_unix) && (self.scope_all || self.material_ids.contains(&material_id))
    }
}

/// Whether any of `grants` opens `material_id` now.
pub fn any_covers(grants: &[Grant], material_id: i64, now_unix: i64) -> bool {
    grants.iter().any(|g| g.covers(material_id, now_unix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(scope_all: bool, ids: &[i64], until: Option<i64>, revoked: bool) -> Grant {
        Grant {
            scope_all,
            material_ids: ids.to_vec(),
            until_unix: until,
            revoked,
        }
    }

    #[test]
    fn scope_until_and_revocation() {
        assert!(grant(true, &[], None, false).covers(7, 100));
        assert!(grant(false, &[7], None, false).covers(7, 100));
        assert!(!grant(false, &[8], None, false).covers(7, 100));
        assert!(grant(true, &[], Some(101), false).covers(7, 100));
        assert!(!grant(true, &[], Some(100), false).covers(7, 100));
        assert!(!grant(true, &[], None, true).covers(7, 100));
        assert!(any_covers(
            &[
                grant(false, &[1], None, false),
                grant(false, &[7], None, false)
            ],
            7,
            100
        ));
        assert!(!any_covers(&[], 7, 100));
    }
}
