/**
 * The protocol's numbers that the device side needs at once. They live
 * apart from protocol.ts so that importing them does not load zod: the
 * store's worker loads the protocol's schemas only beside a cold open's
 * reads (device.ts), not while it starts.
 */

/** Most ops one push may carry. */
export const MAX_PUSH_OPS = 100;
