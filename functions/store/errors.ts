/** The store's errors: expected outcomes of conditional writes become these, all else is rethrown. */

/** Another writer changed the item between our read and our conditional write, too often to retry. */
export class ContentionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContentionError';
  }
}

/** A stored item does not have the shape this code expects. */
export class CorruptItemError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptItemError';
  }
}
