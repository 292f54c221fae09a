import type { PipeTransform } from "@nestjs/common";
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

/** A contract schema as an OpenAPI schema object (plain JSON, no `$id`). */
export function openApiSchema(schema: object): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  delete plain.$id;
  return plain;
}
