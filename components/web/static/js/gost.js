// GOST 34.10-2015 (512-bit) signing in the page, for the keys the national CA issues since 2024
// (`GOST512_….p12`). Browsers have no GOST, so this is the project's own GOST code
// (`crates/gost`, the same code the server verifies with, tested on the standard's examples and
// on NCA's own signatures), compiled to WebAssembly (`crates/gost-web`). The key's bytes go into
// the module's memory for one signature and are wiped there and here right after.

import { KeyError } from './eds.js';

const MODULE_URL = new URL('../gost/gost.wasm', import.meta.url).href;
const SCALAR = 64;
let loading = null;

/** The module, loaded once, on first use. */
function load() {
  if (!loading) {
    loading = (async () => {
      const response = await fetch(MODULE_URL);
      if (!response.ok) throw new KeyError('gost_library');
      const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {});
      return instance.exports;
    })().catch((error) => {
      loading = null;
      throw error instanceof KeyError ? error : new KeyError('gost_library');
    });
  }
  return loading;
}

/** Runs `work` with `bytes` copied into the module (wiped and freed after). */
function withBuffer(module, bytes, work) {
  const length = Math.max(bytes.length, 1);
  const pointer = module.alloc(length);
  new Uint8Array(module.memory.buffer, pointer, bytes.length).set(bytes);
  try {
    return work(pointer, bytes.length);
  } finally {
    module.release(pointer, length);
  }
}

function streebog(module, bytes) {
  return withBuffer(module, bytes, (data, length) =>
    withBuffer(module, new Uint8Array(SCALAR), (out) => {
      module.streebog_512(data, length, out);
      return new Uint8Array(module.memory.buffer, out, SCALAR).slice();
    }),
  );
}

/** Streebog-512 of `bytes`, as NCA's CMS carries it in the message digest. */
export async function streebog512(bytes) {
  return streebog(await load(), bytes);
}

/**
 * Signs `bytes` with the key `scalar` (64 bytes, little-endian, as NCA's PKCS#8 holds it):
 * Streebog-512, then GOST 34.10-2015 with the TC26 512 A curve; `r ‖ s`, each little-endian,
 * as NCA encodes them.
 */
export async function signGost(scalar, bytes) {
  const module = await load();
  const digest = streebog(module, bytes);
  return withBuffer(module, scalar, (key) =>
    withBuffer(module, digest, (hash) =>
      withBuffer(module, new Uint8Array(2 * SCALAR), (out) => {
        if (module.sign_digest(key, hash, out) !== 0) throw new KeyError('p12_key_type');
        return new Uint8Array(module.memory.buffer, out, 2 * SCALAR).slice();
      }),
    ),
  );
}
