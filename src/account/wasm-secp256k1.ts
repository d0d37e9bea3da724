/**
 * libsecp256k1 as WebAssembly (@solar-republic/wasm-secp256k1), instantiated once per isolate.
 *
 * workerd refuses to compile WebAssembly from bytes at run time, so the `.wasm` is imported as a
 * module (wrangler and the vitest pool hand over a compiled `WebAssembly.Module`) and instantiated
 * here, synchronously. The package's own wrapper compiles from bytes and feeds fresh entropy into
 * every nonce, so its signatures are not RFC 6979's deterministic ones that viem makes: we call the
 * library's exports directly, with no extra nonce data. The build minifies their names; the map
 * below is 0.6.3's (its dist/headless.js), which is why package.json pins that version exactly, and
 * a known-answer signature checks the map when the instance is made.
 */
// By path: the package's `exports` do not list the .wasm, and the vitest pool (unlike wrangler) honours them.
import wasmModule from "../../node_modules/@solar-republic/wasm-secp256k1/dist/secp256k1.wasm";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex, keccak256, toHex, type Hex } from "viem";

interface Exports {
  f: WebAssembly.Memory;
  /** init: the C runtime's constructors. */
  g(): void;
  /** malloc(bytes) */
  h(bytes: number): number;
  /** secp256k1_context_create(flags) */
  j(flags: number): number;
  /** secp256k1_context_randomize(ctx, seed32) */
  u(ctx: number, seed: number): number;
  /** secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out64, recid, sig) */
  x(ctx: number, out: number, recid: number, sig: number): number;
  /** secp256k1_ecdsa_sign_recoverable(ctx, sig, msghash32, seckey, noncefp, ndata) */
  y(ctx: number, sig: number, hash: number, key: number, nonceFn: number, nonceData: number): number;
}

export interface RecoverableSignature {
  r: Hex;
  s: Hex;
  yParity: 0 | 1;
}

const CONTEXT_NONE = 1;

// A known answer checks the export map when the instance is made: the signature of a message
// under a key, both hashed from public text (a test vector, not a secret), must be the one noble
// makes (viem's signer, RFC 6979, low S). Any other output means the map is wrong.
const KNOWN_KEY_TEXT = "edge-loadgen: known-answer key (public, not a secret)";
const KNOWN_MESSAGE_TEXT = "edge-loadgen: known-answer message";

type HashSigner = (key: Uint8Array, hash: Uint8Array) => RecoverableSignature;

let signer: HashSigner | undefined;

/**
 * Signs a 32-byte hash with a 32-byte key: low S, recoverable, nonce per RFC 6979 with no extra
 * data, so the same signature noble's `secp256k1.sign(hash, key, { lowS: true })` gives.
 */
export function signHash(key: Uint8Array, hash: Uint8Array): RecoverableSignature {
  return (signer ??= instantiate())(key, hash);
}

function instantiate(): HashSigner {
  let heap = new Uint8Array(0);
  const lib = new WebAssembly.Instance(wasmModule, { a: runtimeImports(() => heap) }).exports as unknown as Exports;
  // The memory cannot grow (growing throws), so one view of it serves every call.
  heap = new Uint8Array(lib.f.buffer);
  lib.g();
  // Allocated once: the library allocates nothing while signing.
  const [ctx, seed, key, hash, sig, out, recid] = [lib.j(CONTEXT_NONE), lib.h(32), lib.h(32), lib.h(32), lib.h(65), lib.h(64), lib.h(4)];
  // Blinding against side channels; it leaves the signatures unchanged. Made on first use, not at
  // import, where workerd's global scope may not draw random numbers.
  heap.set(crypto.getRandomValues(new Uint8Array(32)), seed);
  if (lib.u(ctx, seed) !== 1) throw new Error("libsecp256k1: context randomisation failed");

  const sign: HashSigner = (secret, digest) => {
    heap.set(secret, key);
    heap.set(digest, hash);
    const ok = lib.y(ctx, sig, hash, key, 0, 0);
    // The key lives in the closure that called us; the module's memory holds it only for this call.
    heap.fill(0, key, key + 32);
    if (ok !== 1) throw new Error("libsecp256k1: invalid private key");
    lib.x(ctx, out, recid, sig);
    return { r: bytesToHex(heap.subarray(out, out + 32)), s: bytesToHex(heap.subarray(out + 32, out + 64)), yParity: heap[recid] ? 1 : 0 };
  };
  const knownKey = keccak256(toHex(KNOWN_KEY_TEXT), "bytes");
  const knownMessage = keccak256(toHex(KNOWN_MESSAGE_TEXT), "bytes");
  const known = sign(knownKey, knownMessage);
  const expected = secp256k1.sign(knownMessage, knownKey, { lowS: true });
  if (BigInt(known.r) !== expected.r || BigInt(known.s) !== expected.s || known.yParity !== expected.recovery) {
    throw new Error("@solar-republic/wasm-secp256k1 is not the pinned 0.6.3 build: its exports sign differently");
  }
  return sign;
}

/**
 * The Emscripten runtime the module imports, also minified: `a` fd_write, `b` grow memory, `c`
 * fd_seek, `d` fd_close, `e` abort. libsecp256k1 writes only to report a misuse right before it
 * aborts, so writing throws with what it wrote; growing and aborting throw too.
 */
function runtimeImports(heap: () => Uint8Array): Record<string, (...args: number[]) => number> {
  const fail = (message: string): never => {
    throw new Error(`libsecp256k1: ${message}`);
  };
  return {
    a: (_fd, iov, count) => {
      const bytes = heap();
      const words = new DataView(bytes.buffer);
      let text = "";
      for (let i = 0; i < count; i++) {
        const start = words.getUint32(iov + 8 * i, true);
        text += new TextDecoder().decode(bytes.subarray(start, start + words.getUint32(iov + 8 * i + 4, true)));
      }
      return fail(text.trim());
    },
    b: () => fail("out of memory"),
    c: () => 70,
    d: () => 52,
    e: () => fail("aborted"),
  };
}
