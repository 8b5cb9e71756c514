import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';

/** JSON answers of the admin API; every error names what is wrong. */
export type AdminResult = APIGatewayProxyStructuredResultV2;

export type Problem = { path: string; message: string };

export function json(statusCode: number, body: unknown): AdminResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export const noContent = (): AdminResult => ({ statusCode: 204 });

export function badRequest(message: string, problems: Problem[]): AdminResult {
  return json(400, { error: message, problems });
}

export function notFound(message: string): AdminResult {
  return json(404, { error: message });
}

export function conflict(reason: string): AdminResult {
  return json(409, { error: reason });
}

/** A JSON path such as `$.devices[0].uri` for a zod issue path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), '$');
}

export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
}
