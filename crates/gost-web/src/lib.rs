//! The project's own GOST 34.10-2015 code for the page (`static/js/gost.js`): the browser has
//! no GOST, and a person's NCA key signs in the page without leaving it. Plain exports over
//! linear memory, no bindings generator: the page calls `alloc`, copies bytes in, calls one
//! function, copies the answer out and calls `release`.
//!
//! `unsafe` is confined to reading and writing the buffers the page passes (pointers this
//! module's own `alloc` handed out, with their lengths).
#![allow(unsafe_code)]

use jaria_gost::{Curve, SigningKey, streebog512};

const SCALAR: usize = 64;

/// A buffer of `len` bytes for the page to fill; `release` gives it back.
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buffer = vec![0u8; len].into_boxed_slice();
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Zeroes and frees a buffer from `alloc` (a key's bytes do not stay in memory).
///
/// # Safety
/// `ptr` and `len` are exactly what `alloc` returned and was asked for, not yet released.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn release(ptr: *mut u8, len: usize) {
    // SAFETY: per the contract, the slice is the boxed one `alloc` leaked.
    let mut buffer = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
    buffer.fill(0);
}

/// Streebog-512 of `len` bytes at `data`, written to the 64 bytes at `out`.
///
/// # Safety
/// `data`/`len` and `out` (64 bytes) are buffers from `alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn streebog_512(data: *const u8, len: usize, out: *mut u8) {
    // SAFETY: per the contract.
    let (data, out) = unsafe {
        (
            std::slice::from_raw_parts(data, len),
            std::slice::from_raw_parts_mut(out, 64),
        )
    };
    out.copy_from_slice(&streebog512(data));
}

/// # Safety
/// `d` is a 64-byte buffer from `alloc`.
unsafe fn key(d: *const u8) -> Option<SigningKey> {
    // SAFETY: per the contract.
    let d = unsafe { std::slice::from_raw_parts(d, SCALAR) };
    SigningKey::from_le_bytes(Curve::tc26_512_a(), d).ok()
}

/// Signs the Streebog-512 digest at `digest` (64 bytes) with the scalar at `d`: `r ‖ s`, each
/// little-endian, 128 bytes at `out`, as NCA encodes them. 0, or 1 if `d` is no key.
///
/// # Safety
/// `d`, `digest` (64 bytes each) and `out` (128 bytes) are buffers from `alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sign_digest(d: *const u8, digest: *const u8, out: *mut u8) -> i32 {
    // SAFETY: per this function's contract.
    let Some(key) = (unsafe { key(d) }) else {
        return 1;
    };
    // SAFETY: per the contract.
    let (digest, out) = unsafe {
        (
            std::slice::from_raw_parts(digest, SCALAR),
            std::slice::from_raw_parts_mut(out, 2 * SCALAR),
        )
    };
    out.copy_from_slice(&key.sign_digest(digest));
    0
}
