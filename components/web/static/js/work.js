// The proof of work a sign-in pays when many sign-ins from the same network failed lately
// (the portal's per-address limit is a cost that grows, not a wall): find a counter whose
// SHA-256(nonce ":" counter) starts with `bits` zero bits. SHA-256 is computed here, not
// with crypto.subtle: a million short digests through its promises take far longer.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

/** One SHA-256 compression of the 16 words `w[0..16]` (the rest is scratch) into `h`. */
function compress(h, w) {
  for (let i = 16; i < 64; i += 1) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = h[0]; let b = h[1]; let c = h[2]; let d = h[3];
  let e = h[4]; let f = h[5]; let g = h[6]; let k = h[7];
  for (let i = 0; i < 64; i += 1) {
    const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
}

/** Loads 64 bytes of `bytes` from `at` into `w[0..16]`, big-endian. */
function load(w, bytes, at) {
  for (let i = 0; i < 16; i += 1) {
    const j = at + i * 4;
    w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
  }
}

/** SHA-256 of `bytes` (a Uint8Array), as eight unsigned 32-bit words. */
export function sha256Words(bytes) {
  const blocks = Math.ceil((bytes.length + 9) / 64);
  const padded = new Uint8Array(blocks * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  // Messages here are short: the bit length fits the low 32 bits.
  const bitLength = bytes.length * 8;
  padded[padded.length - 4] = bitLength >>> 24;
  padded[padded.length - 3] = (bitLength >>> 16) & 0xff;
  padded[padded.length - 2] = (bitLength >>> 8) & 0xff;
  padded[padded.length - 1] = bitLength & 0xff;
  const h = new Int32Array(INITIAL);
  const w = new Int32Array(64);
  for (let block = 0; block < blocks; block += 1) {
    load(w, padded, block * 64);
    compress(h, w);
  }
  return Array.from(h, (x) => x >>> 0);
}

/** Hex of SHA-256 over a string's UTF-8 (for checks against known vectors). */
export function sha256Hex(text) {
  return sha256Words(new TextEncoder().encode(text)).map((x) => x.toString(16).padStart(8, '0')).join('');
}

function leadingZeroBits(words) {
  let zeros = 0;
  for (const word of words) {
    if (word === 0) zeros += 32;
    else return zeros + Math.clz32(word);
  }
  return zeros;
}

/**
 * A counter answering `bits` over `nonce`, found in slices that give the page back its turn,
 * so the form stays responsive while it works. The answer is zeros to fill the first 64-byte
 * block, then a decimal counter: that block's state is computed once, and each try costs one
 * compression, not two (the portal checks only that the digest starts with enough zeros).
 */
export async function solveWork(nonce, bits) {
  if (!bits) return undefined;
  const prefix = new TextEncoder().encode(`${nonce}:`);
  const fill = (64 - (prefix.length % 64)) % 64;
  // Fill only where the answer stays short (the portal takes up to 32 characters).
  const pad = fill <= 16 ? fill : 0;
  const head = new Uint8Array(prefix.length + pad);
  head.set(prefix);
  head.fill(0x30, prefix.length);
  const headBlocks = Math.floor(head.length / 64);
  const mid = new Int32Array(INITIAL);
  const w = new Int32Array(64);
  for (let block = 0; block < headBlocks; block += 1) {
    load(w, head, block * 64);
    compress(mid, w);
  }
  const rest = head.subarray(headBlocks * 64);
  const tail = new Uint8Array(128);
  const h = new Int32Array(8);
  for (let counter = 0; ; counter += 1) {
    const digits = String(counter);
    const length = rest.length + digits.length;
    const blocks = length + 9 <= 64 ? 1 : 2;
    tail.fill(0, 0, blocks * 64);
    tail.set(rest);
    for (let i = 0; i < digits.length; i += 1) tail[rest.length + i] = digits.charCodeAt(i);
    tail[length] = 0x80;
    const bitLength = (head.length + digits.length) * 8;
    const end = blocks * 64;
    tail[end - 4] = bitLength >>> 24;
    tail[end - 3] = (bitLength >>> 16) & 0xff;
    tail[end - 2] = (bitLength >>> 8) & 0xff;
    tail[end - 1] = bitLength & 0xff;
    h.set(mid);
    for (let block = 0; block < blocks; block += 1) {
      load(w, tail, block * 64);
      compress(h, w);
    }
    if (bits <= 32 ? Math.clz32(h[0]) >= bits : leadingZeroBits(Array.from(h, (x) => x >>> 0)) >= bits) {
      return '0'.repeat(pad) + digits;
    }
    if (counter % 20000 === 19999) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
