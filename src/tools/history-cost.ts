/**
 * What a workflow's history costs: its events by type, and the billable actions Temporal Cloud
 * counts for it (docs.temporal.io/cloud/actions): a workflow start (each run), every activity
 * attempt, the local activities of one workflow task together as one, every timer started, every
 * signal, every update, every search-attribute upsert. Version markers (patched) are not billed.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryCost {
  events: number;
  byType: Record<string, number>;
  actions: number;
  actionsByKind: Record<string, number>;
}

const typeName = (event: HistoryEvent) => {
  const raw = event.eventType as unknown;
  const name = typeof raw === 'string' ? raw : String(raw);
  return name.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
};

export function historyCost(events: HistoryEvent[]): HistoryCost {
  const byType: Record<string, number> = {};
  const actionsByKind: Record<string, number> = {};
  const add = (kind: string, n = 1) => (actionsByKind[kind] = (actionsByKind[kind] ?? 0) + n);
  const localActivityTasks = new Set<string>();
  for (const event of events) {
    const type = typeName(event);
    byType[type] = (byType[type] ?? 0) + 1;
    if (event.workflowExecutionStartedEventAttributes) add('workflow started');
    else if (event.activityTaskStartedEventAttributes) add('activity attempts', event.activityTaskStartedEventAttributes.attempt ?? 1);
    else if (event.timerStartedEventAttributes) add('timers started');
    else if (event.workflowExecutionSignaledEventAttributes) add('signals');
    else if (event.upsertWorkflowSearchAttributesEventAttributes) {
      // patched() upserts TemporalChangeVersion, which is not billed.
      const keys = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {});
      if (keys.some((k) => k !== 'TemporalChangeVersion')) add('search-attribute upserts');
    }
    else if (event.workflowExecutionUpdateAcceptedEventAttributes) add('updates');
    else if (event.markerRecordedEventAttributes) {
      const marker = event.markerRecordedEventAttributes;
      if (marker.markerName === 'core_local_activity') localActivityTasks.add(String(marker.workflowTaskCompletedEventId));
    }
  }
  if (localActivityTasks.size > 0) add('local activities (one per workflow task)', localActivityTasks.size);
  return { events: events.length, byType, actions: Object.values(actionsByKind).reduce((a, b) => a + b, 0), actionsByKind };
}
