/**
 * A source of work-queue items: one module per kind of work, each over its own table, so a new
 * kind (a branch's own table of debtor questions, revocations to look at, …) is one more module in
 * the list of index.ts. A source lists open items for the operator's creditors, finds one, and
 * closes one with its outcome; what the outcome means to the account is the queue service's
 * (src/client/work-queue.ts), which tells the account's workflow.
 */
import type { QueueItem, QueueKind } from '../../domain/work-queue';

export interface QueueSource {
  /** Unique name of the source (kept with claims). */
  name: string;
  kinds: readonly QueueKind[];
  list(creditorIds: string[]): Promise<QueueItem[]>;
  get(id: string): Promise<QueueItem | null>;
  /** Closes an open item; false when it was not open any more. */
  close(id: string, outcome: string, by: string): Promise<boolean>;
}
