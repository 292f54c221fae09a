import { ValidationPipe, type ValidationError } from "@nestjs/common";
import { badRequest, HttpError } from "@clawbox/shared";

/** First failing constraint, depth first, with its dotted field path. */
function firstProblem(errors: ValidationError[], prefix = ""): { field: string; rule: string; message: string } | null {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const constraints = Object.entries(e.constraints ?? {});
    // A missing value fails every rule at once; "required" is the one that explains it.
    if (constraints.length > 0 && e.value === undefined && !("whitelistValidation" in (e.constraints ?? {}))) {
      return { field, rule: "required", message: `${field} is required` };
    }
    if (constraints.length > 0) {
      const [rule, message] = constraints[0]!;
      // class-validator's name for "property should not exist" is whitelistValidation.
      return { field, rule: rule === "whitelistValidation" ? "unknown-property" : rule, message };
    }
    const nested = firstProblem(e.children ?? [], field);
    if (nested) return nested;
  }
  return null;
}

export function validationErrorToHttp(errors: ValidationError[]): HttpError {
  const p = firstProblem(errors);
  return p ? badRequest(p.field, p.rule, p.message) : badRequest("body", "invalid", "Invalid request");
}

/** DTO validation everywhere: unknown properties are refused, not silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: validationErrorToHttp,
  });
}
