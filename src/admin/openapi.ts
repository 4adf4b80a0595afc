import { z } from 'zod';
import type { Operation } from './operation.ts';

// The OpenAPI 3.1 document of the admin API, generated from the operations' own zod schemas (the
// ones that validate each request), so it says what is checked. JSON Schema 2020-12, which
// OpenAPI 3.1 uses: request bodies and parameters as clients send them (durations as "30d"),
// responses as Latch answers.

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
};

const ERROR: JsonSchema = {
  type: 'object',
  required: ['error', 'error_description', 'request_id'],
  properties: {
    error: {
      type: 'string',
      description: 'A code: invalid_request, unauthorized, forbidden, not_found, conflict, payload_too_large, …',
    },
    error_description: { type: 'string', description: 'What is wrong, naming the field for bad input.' },
    problems: {
      type: 'array',
      description: 'Bad input: every problem, by field.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    request_id: { type: 'string' },
  },
};

function parameters(op: Operation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', op.schemas.params],
    ['query', op.schemas.query],
  ] as const) {
    if (!schema) continue;
    const json = schemaOf(schema, 'input');
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((json.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      const { description, ...rest } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: rest,
        ...(description ? { description } : {}),
      });
    }
  }
  return list;
}

function responses(op: Operation): JsonSchema {
  const refusal = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  const response = op.schemas.response;
  const content =
    'download' in response
      ? Object.fromEntries(response.download.map((type) => [type, { schema: { type: 'string' } }]))
      : { 'application/json': { schema: schemaOf(response as z.ZodType, 'output') } };
  return {
    [String(op.status)]: { description: 'Done.', content },
    400: refusal('Bad input: nothing was changed.'),
    401: refusal('No valid API token.'),
    403: refusal("The token's role does not allow this (written to the audit log)."),
    404: refusal('No such user, application or entry.'),
  };
}

export function openApiDocument(operations: Operation[], baseUrl: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.id,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      'x-latch-permission': op.permission,
      parameters: parameters(op),
      ...(op.schemas.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(op.schemas.body, 'input') } },
            },
          }
        : {}),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latch admin API',
      version: '1',
      description:
        "What the operators' console does, for scripts. Authenticate with an API token: `npx latch admin token create NAME --role ROLE`, sent as `Authorization: Bearer …`. Every change is written to the admin audit log.",
    },
    servers: [{ url: `${baseUrl}/admin/api/v1` }],
    security: [{ token: [] }],
    paths,
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'latch-admin.<id>.<secret>' } },
      schemas: { Error: ERROR },
    },
  };
}
