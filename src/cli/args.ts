/** Option value parsers shared by the commands. */
import { InvalidArgumentError } from 'commander';

/** A parser for a whole number from `min` to `max`; `expected` words the error (default: "a whole number from min to max"). */
export function wholeNumberIn(min: number, max: number, expected = `a whole number from ${min} to ${max}`): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}
