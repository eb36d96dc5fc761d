import {
  type Config,
  type JobName,
  type JobPayload,
  type JobStatus,
  type JobSubmitter,
  parseLocation,
  type SubmittedJob,
} from "@ctr/schemas";
import { openFolder, type QueueConfig } from "@ctr/workers";
import { planBackfill } from "../backfill/plan.ts";
import { submitBackfillFlow } from "./bullmq_executor.ts";
import { type FlowQueues, openFlowQueues, readBackfillStatus } from "./flow_status.ts";
import { readOrdersState } from "./orders_state.ts";

/**
 * Job submission with REDIS_URL: plans the backfill (lists the source, reads the state of its days'
 * orders) and adds its flow; the workers run it. The id is the flow's deterministic id; the status is
 * read back from the queue.
 */
export class BullMqSubmitter implements JobSubmitter {
  /** Opened on the first status read and kept: GET /jobs/:id is polled. */
  private queues: FlowQueues | undefined;

  constructor(
    private readonly config: Config,
    private readonly queue: QueueConfig,
  ) {}

  /** Closes the connection status reads use. */
  async close(): Promise<void> {
    await this.queues?.close();
    this.queues = undefined;
  }

  async submit<Name extends JobName>(name: Name, payload: JobPayload<Name>): Promise<SubmittedJob> {
    if (name !== "backfill") throw new RangeError(`only backfill jobs are submitted over HTTP, not ${name}`);
    const request = payload as JobPayload<"backfill">;
    const location = request.source ? parseLocation(request.source, "source") : this.config.eventsSource;
    const source = openFolder(location, this.config.s3);
    const plan = await planBackfill(source, { ...request, shardMaxBytes: this.config.shardMaxBytes });
    const orders = await readOrdersState(this.config, plan.purchaseDays);
    return { id: await submitBackfillFlow(this.queue, request, plan, orders), name };
  }

  status(id: string): Promise<JobStatus | undefined> {
    this.queues ??= openFlowQueues(this.queue);
    return readBackfillStatus(this.queues, id);
  }
}
