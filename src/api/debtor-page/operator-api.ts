/**
 * What operators do about the debtor's page over the REST API (an API key of one creditor): the
 * questions debtors wrote, waiting for a person; marking one answered (the account is told, so it
 * leaves DunningQuestionOpen and the details); revoking an account's page links (a lost phone, a
 * forwarded email): every link, and every session on them, stops at once.
 */
import { z } from 'zod';
import { createDebtorPageRepository } from '../../adapters/debtor-page.repository';
import { createDebtorQuestionRepository } from '../../adapters/debtor-question.repository';
import { AccountError, reportComplianceEvent } from '../../client/accounts.client';
import { accountKey } from '../../domain/account';
import { plainText } from '../../schemas/text';
import { accountErrorResponse, apiError, isUnavailable, temporalUnavailable, type ApiResponse, type RouteContext } from '../http';
import type { ApiDeps } from '../route';

export const questionAnsweredBodySchema = z.object({ note: plainText(500).optional() }).strict();
export const revokeLinksBodySchema = z.object({ reason: plainText(500) }).strict();

const who = (ctx: RouteContext) => `${ctx.caller!.label} (API key ${ctx.caller!.keyId})`;

export async function listQuestions(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const all = ctx.url.searchParams.get('status') === 'all';
  const rows = await createDebtorQuestionRepository(deps.pool).list(ctx.caller!.creditorId, { all });
  return {
    status: 200,
    body: {
      questions: rows.map((q) => ({ questionId: q.questionId, accountId: q.accountKey.split('/')[2], askedAt: q.askedAt.toISOString(), language: q.language, text: q.text, status: q.status, answeredAt: q.answeredAt?.toISOString() ?? null, answeredBy: q.answeredBy, note: q.answerNote })),
    },
  };
}

export async function questionAnswered(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const { accountId, questionId } = ctx.params as { accountId: string; questionId: string };
  const repo = createDebtorQuestionRepository(deps.pool);
  const question = await repo.find(questionId);
  if (!question || question.accountKey !== accountKey(ctx.caller!.creditorId, accountId)) return apiError(404, 'unknown_question', `no question ${questionId} on account ${accountId}`);
  const body = ctx.body as z.infer<typeof questionAnsweredBodySchema>;
  if (!(await repo.answered(questionId, who(ctx), body.note ?? null))) return apiError(409, 'already_answered', `question ${questionId} was already answered`);
  try {
    await reportComplianceEvent(deps.client, ctx.caller!.creditorId, accountId, { kind: 'question_answered', questionId, ...(body.note ? { note: body.note } : {}) });
  } catch (error) {
    if (error instanceof AccountError && error.code === 'unknown_account') return { status: 200, body: { questionId, status: 'answered' } }; // the account has ended
    if (isUnavailable(error)) return temporalUnavailable();
    if (error instanceof AccountError) return accountErrorResponse(error);
    throw error;
  }
  return { status: 200, body: { questionId, status: 'answered' } };
}

export async function revokeLinks(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const { accountId } = ctx.params as { accountId: string };
  const body = ctx.body as z.infer<typeof revokeLinksBodySchema>;
  const revoked = await createDebtorPageRepository(deps.pool).revoke({ accountKey: accountKey(ctx.caller!.creditorId, accountId) }, `${who(ctx)}: ${body.reason}`);
  return { status: 200, body: { accountId, revoked } };
}
