/**
 * Writes a double in exactly the digits Number#toString gives, several times faster, for the values
 * metrics mostly have (1e-6 <= |v| < 1e15). Number#toString costs 200–400 ns per value and is the
 * bulk of finalising millions of points; this needs a few dozen nanoseconds.
 *
 * How: with e = 17 − (digits before the point), s = |v| × 10^e lies in [1e16, 1e17). As 10^e is exact
 * for e ≤ 22, Dekker's two-product gives s exactly as hi + lo. A decimal rounds back to v when it lies
 * within half an ulp of v, i.e. within H = ulp/2 × 10^e of s (also exact). The shortest such decimal
 * is the multiple of the largest power 10^t within H of s (if one power works, every smaller one
 * does); among two candidates the nearer wins, as the specification of Number#toString says. Cases
 * this cannot decide with certainty — a distance within a hair of H, a tie, a power of two (whose
 * interval is lopsided) — return -1 and the caller uses Number#toString.
 */

const SMALLEST = 1e-6;
const LARGEST = 1e15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Veltkamp's splitter 2^27 + 1: splits a double into two halves whose products are exact. */
const SPLITTER = 134_217_729;
/** Half-ulp distances are at least 0.55 units here; anything within this of H is left to Number#toString. */
const MARGIN = 1e-6;
const EIGHT_DIGITS = 1e8;
const NINE_DIGITS = 1e9;

const LOG10_2 = Math.LOG10E * Math.LN2;
/** The two ASCII digits of 0..99 at [2i, 2i + 1]: integers are written two digits per division. */
export const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const digits = new Uint8Array(17);
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;

/** Writes `value` as Number#toString would; returns the position after it, or -1 when it leaves the value to Number#toString. */
export function writeShortestDouble(out: Uint8Array, pos: number, value: number): number {
  const v = value < 0 ? -value : value;
  if (!(v >= SMALLEST && v < LARGEST)) return -1;
  bits[0] = v;
  const high = words[1]!;
  // The mantissa is all zeros for powers of two: their lower neighbour is closer, the interval lopsided.
  if ((high & 0xfffff) === 0 && words[0] === 0) return -1;
  const exponent = (high >>> 20) & 0x7ff;
  // Digits before the point, from the binary exponent: exact or one short; s must come out in [1e16, 1e17).
  let n = Math.floor((exponent - 1022) * LOG10_2) + 1;
  let e = 17 - n;
  if (v * POWERS_OF_TEN[e]! >= 1e17) {
    n++;
    e--;
  } else if (v * POWERS_OF_TEN[e]! < 1e16) {
    n--;
    e++;
  }
  if (e < 0 || e > 22) return -1;
  const power = POWERS_OF_TEN[e]!;
  const sHigh = v * power;
  const sLow = twoProductError(v, power, sHigh);
  // H = half an ulp of v, in units of s: 2^(exponent - 1076) × 10^e, exact.
  words[1] = (exponent - 53) << 20;
  words[0] = 0;
  const limit = bits[0]! * power;
  // s = a × 1e8 + b + f with integers a (9 digits), b (8 digits) and 0 <= f < 1.
  let a = Math.floor(sHigh * 1e-8);
  // a < 2^30 and 1e8 = 390625 × 2^8, so a × 1e8 is exact; so is the difference of two integers this close.
  const whole = sHigh - a * EIGHT_DIGITS;
  const lowFloor = Math.floor(sLow);
  let b = whole + lowFloor;
  const f = sLow - lowFloor;
  if (b < 0) {
    a--;
    b += EIGHT_DIGITS;
  } else if (b >= EIGHT_DIGITS) {
    a++;
    b -= EIGHT_DIGITS;
  }
  // The largest t for which the nearest multiple of 10^t is within the limit. Full-precision values
  // stop at t = 0 or 1, so try those in turn; shorter ones (0.25, 1e-3) are found by bisection.
  let valid = 0;
  let invalid = 17;
  let roundUp = f > 0.5;
  let next = 1;
  while (valid + 1 < invalid) {
    const verdict = judge(a, b, f, limit, next);
    if (verdict === UNDECIDED) return -1;
    if (verdict === TOO_FAR) invalid = next;
    else {
      valid = next;
      roundUp = verdict === ROUND_UP;
    }
    next = valid < 2 ? valid + 1 : (valid + invalid) >> 1;
  }
  const t = valid;
  if (t === 0 && Math.abs(f - 0.5) < MARGIN) return -1;
  // The chosen multiple, as a (9 digits) and b (8 digits).
  if (t <= 8) {
    const unit = POWERS_OF_TEN[t]!;
    b -= intRemainder(b, unit);
    if (roundUp) b += unit;
    if (b >= EIGHT_DIGITS) {
      b -= EIGHT_DIGITS;
      a++;
    }
  } else {
    const unit = POWERS_OF_TEN[t - 8]!;
    b = 0;
    a -= intRemainder(a, unit);
    if (roundUp) a += unit;
  }
  if (a >= NINE_DIGITS) {
    // Rounded up to 10^17: one more digit before the point.
    a /= 10;
    n++;
  }
  fillDigits(a, b);
  let length = 17;
  while (length > 1 && digits[length - 1] === ZERO) length--;
  if (value < 0) out[pos++] = MINUS;
  return writeWithPoint(out, pos, length, n);
}

const TOO_FAR = 0;
const ROUND_DOWN = 1;
const ROUND_UP = 2;
const UNDECIDED = 3;

/** Whether a multiple of 10^t lies within `limit` of s = a × 1e8 + b + f, and which one is nearer. */
function judge(a: number, b: number, f: number, limit: number, t: number): number {
  const unit = POWERS_OF_TEN[t]!;
  const remainder = (t <= 8 ? intRemainder(b, unit) : intRemainder(a, POWERS_OF_TEN[t - 8]!) * EIGHT_DIGITS + b) + f;
  const up = unit - remainder;
  const nearest = remainder < up ? remainder : up;
  if (Math.abs(nearest - limit) < MARGIN || Math.abs(remainder - up) < MARGIN) return UNDECIDED;
  if (nearest > limit) return TOO_FAR;
  return up < remainder ? ROUND_UP : ROUND_DOWN;
}

/** The rounding error of the product x × y whose rounded value is `rounded` (Dekker's algorithm). */
function twoProductError(x: number, y: number, rounded: number): number {
  const xs = SPLITTER * x;
  const xHigh = xs - (xs - x);
  const xLow = x - xHigh;
  const ys = SPLITTER * y;
  const yHigh = ys - (ys - y);
  const yLow = y - yHigh;
  return xHigh * yHigh - rounded + xHigh * yLow + xLow * yHigh + xLow * yLow;
}

/** x mod m for integers below 2^31 (int32 arithmetic, unlike %, which works on doubles). */
function intRemainder(x: number, m: number): number {
  return x - ((x / m) | 0) * m;
}

/** The 17 digits of a (9) and b (8) into `digits`, two at a time. */
function fillDigits(a: number, b: number): void {
  let high = a;
  for (let i = 8; i > 0; i -= 2) {
    const q = (high / 100) | 0;
    const pair = 2 * (high - q * 100);
    digits[i] = DIGIT_PAIRS[pair + 1]!;
    digits[i - 1] = DIGIT_PAIRS[pair]!;
    high = q;
  }
  digits[0] = ZERO + high;
  let low = b;
  for (let i = 16; i > 9; i -= 2) {
    const q = (low / 100) | 0;
    const pair = 2 * (low - q * 100);
    digits[i] = DIGIT_PAIRS[pair + 1]!;
    digits[i - 1] = DIGIT_PAIRS[pair]!;
    low = q;
  }
}

/** Writes digits[0..length) with the decimal point after `n` digits (n <= 0: leading "0.000"), as Number#toString does. */
function writeWithPoint(out: Uint8Array, pos: number, length: number, n: number): number {
  if (n <= 0) {
    out[pos++] = ZERO;
    out[pos++] = DOT;
    for (let i = n; i < 0; i++) out[pos++] = ZERO;
    for (let i = 0; i < length; i++) out[pos++] = digits[i]!;
    return pos;
  }
  for (let i = 0; i < n; i++) out[pos++] = i < length ? digits[i]! : ZERO;
  if (length > n) {
    out[pos++] = DOT;
    for (let i = n; i < length; i++) out[pos++] = digits[i]!;
  }
  return pos;
}
