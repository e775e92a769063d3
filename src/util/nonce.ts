import { randomBytes } from 'node:crypto';

/** A CSP nonce: 128 random bits, base64 (never `Math.random`). A fresh one for every page rendered. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}
