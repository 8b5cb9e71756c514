/** A webhook whose own query parameters (the call context we wrote) cannot be read. */
export class InvalidWebhookError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidWebhookError';
  }
}
