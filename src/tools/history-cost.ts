/**
 * Events and Temporal Cloud billable actions of one account's whole history (every run of its
 * continue-as-new chain), counted from the event history by Temporal Cloud's published rules
 * (docs.temporal.io, "Temporal Cloud Actions"):
 *   workflow started (client start and each continue-as-new) = 1; each activity attempt = 1 (a
 *   retried activity's ActivityTaskStarted carries its attempt number); all local activities of one
 *   workflow task = 1; each timer started = 1 (condition() with a timeout starts one); each signal
 *   = 1; each accepted update = 1 (rejected updates are billed too but leave no event: counted
 *   apart by the caller when it sends them); each UpsertSearchAttributes command = 1, except one
 *   that only sets TemporalChangeVersion; each child workflow = 2; each signal to another workflow = 1.
 *   Not billed: markers of patched() (and side effects), workflow tasks, completions.
 * Queries (also billed) leave no event and are not counted here.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

export interface ActionCount {
  runs: number;
  events: number;
  eventsByType: Record<string, number>;
  billableActions: number;
  actionsByKind: Record<string, number>;
}

function typeName(event: HistoryEvent): string {
  return (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');
}

/** Counts one run's events into `into`; returns the next run's id when it continued as new. */
export function countRun(events: HistoryEvent[], into: ActionCount): string | null {
  const add = (kind: string, n = 1) => {
    into.actionsByKind[kind] = (into.actionsByKind[kind] ?? 0) + n;
    into.billableActions += n;
  };
  let localActivityInTask = false;
  let next: string | null = null;
  into.runs += 1;
  for (const event of events) {
    const type = typeName(event);
    into.events += 1;
    into.eventsByType[type] = (into.eventsByType[type] ?? 0) + 1;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add('workflow started');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        localActivityInTask = false;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activity attempts', Math.max(1, event.activityTaskStartedEventAttributes?.attempt ?? 1));
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const name = event.markerRecordedEventAttributes?.markerName ?? '';
        if (name === 'core_local_activity' && !localActivityInTask) {
          localActivityInTask = true;
          add('local activities (per workflow task)');
        }
        break; // core_patch (patched()) markers are not billed
      }
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timers');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        add('signals');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('updates');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (fields.some((f) => f !== 'TemporalChangeVersion')) add('search attribute upserts');
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('child workflows', 2);
        break;
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        add('signals');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? null;
        break;
      default:
        break;
    }
  }
  return next;
}

/** The whole chain of runs of a workflow id, from its first run. */
export async function countActions(client: Client, workflowId: string, firstRunId: string): Promise<ActionCount> {
  const count: ActionCount = { runs: 0, events: 0, eventsByType: {}, billableActions: 0, actionsByKind: {} };
  let runId: string | null = firstRunId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = countRun(history.events ?? [], count);
  }
  return count;
}
