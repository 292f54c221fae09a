import { Controller, Get, Header } from "@nestjs/common";
import { ApiExcludeEndpoint, ApiTags } from "@nestjs/swagger";
import { ApiMetrics } from "../common/metrics.ts";

@ApiTags("health")
@Controller()
export class HealthController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get("health")
  health(): { ok: true } {
    return { ok: true };
  }

  @Get("metrics")
  @ApiExcludeEndpoint()
  @Header("content-type", "text/plain; version=0.0.4; charset=utf-8")
  prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
