import { applyDecorators, type PipeTransform } from "@nestjs/common";
import { ApiBody, ApiQuery } from "@nestjs/swagger";
import { parseContract } from "@clawbox/shared";

/**
 * Validates a body against a contract schema from @clawbox/shared (the same schema the
 * Manager's Fastify routes use), answering bad input with the one 400 shape. Use with a
 * TypeScript type, not a DTO class, so the global class-validator pipe leaves it alone.
 */
export class ContractPipe implements PipeTransform {
  private readonly schema: object;
  private readonly context: string;
  constructor(schema: object, context = "body") {
    this.schema = schema;
    this.context = context;
  }
  transform(value: unknown): unknown {
    return parseContract(this.schema, value, this.context);
  }
}

/** Documents a route's body as the contract schema it is validated with. */
export const ApiContractBody = (schema: object) => ApiBody({ schema: openApiSchema(schema) });

/** Documents each property of a contract query schema as a query parameter. */
export function ApiContractQuery(schema: { properties: Record<string, object>; required?: string[] }) {
  return applyDecorators(
    ...Object.entries(schema.properties).map(([name, s]) => ApiQuery({ name, required: schema.required?.includes(name) ?? false, schema: openApiSchema(s) })),
  );
}

/** A contract schema as an OpenAPI schema object (plain JSON, no `$id`). */
export function openApiSchema(schema: object): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  delete plain.$id;
  return plain;
}
