/** The facts credit reporting reads of one account, as the metro2 and credit-report tests start from them. */
import type { AccountReportingFacts } from '../../src/domain/credit-reporting';

export function reportingFacts(overrides: Partial<AccountReportingFacts> = {}): AccountReportingFacts {
  return {
    accountKey: 'account/cred-metro-power/ACC-1',
    creditorId: 'cred-metro-power',
    accountId: 'ACC-1',
    product: 'utility',
    currency: 'USD',
    consumer: { name: 'Jane Q. Doe', address: { line1: '1 Main St., Apt #4', city: 'Albany', region: 'NY', postalCode: '12207-1234', country: 'US' }, phone: '+12125550123' },
    enrolledAt: '2026-09-15T14:00:00Z',
    stage: 'open',
    endedAt: null,
    closedAtConsumerRequest: false,
    dispute: null,
    deceasedAt: null,
    bankruptcy: null,
    firstConversationAt: null,
    firstMessageAt: '2026-09-15T14:00:05Z',
    ...overrides,
  };
}
