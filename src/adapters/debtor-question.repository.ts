/**
 * Questions debtors write on their page, kept for a person to answer (migration 018). The account
 * keeps only the question's id and whether it is open; the text stays here, with the account.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export interface DebtorQuestionRow {
  questionId: string;
  accountKey: string;
  creditorId: string;
  language: string;
  text: string;
  askedAt: Date;
  status: 'open' | 'answered';
  answeredAt: Date | null;
  answeredBy: string | null;
  answerNote: string | null;
}

type Row = { question_id: string; account_key: string; creditor_id: string; language: string; text: string; asked_at: Date; status: 'open' | 'answered'; answered_at: Date | null; answered_by: string | null; answer_note: string | null };
const rowOf = (r: Row): DebtorQuestionRow => ({ questionId: r.question_id, accountKey: r.account_key, creditorId: r.creditor_id, language: r.language, text: r.text, askedAt: r.asked_at, status: r.status, answeredAt: r.answered_at, answeredBy: r.answered_by, answerNote: r.answer_note });

export function createDebtorQuestionRepository(pool: Pool) {
  return {
    async ask(question: { accountKey: string; creditorId: string; language: string; text: string }): Promise<string> {
      const questionId = `q-${randomUUID()}`;
      await pool.query('INSERT INTO debtor_questions (question_id, account_key, creditor_id, language, text) VALUES ($1, $2, $3, $4, $5)', [questionId, question.accountKey, question.creditorId, question.language, question.text]);
      return questionId;
    },
    /** A creditor's questions, oldest first; open ones unless `all`. */
    async list(creditorId: string | null, options: { all?: boolean } = {}): Promise<DebtorQuestionRow[]> {
      const { rows } = await pool.query<Row>(
        `SELECT * FROM debtor_questions WHERE ($1::text IS NULL OR creditor_id = $1) AND ($2 OR status = 'open') ORDER BY asked_at, question_id`,
        [creditorId, options.all === true],
      );
      return rows.map(rowOf);
    },
    async find(questionId: string): Promise<DebtorQuestionRow | null> {
      const { rows } = await pool.query<Row>('SELECT * FROM debtor_questions WHERE question_id = $1', [questionId]);
      return rows[0] ? rowOf(rows[0]) : null;
    },
    /** Marks it answered (once); false when it was not open. */
    async answered(questionId: string, by: string, note: string | null): Promise<boolean> {
      const { rowCount } = await pool.query(`UPDATE debtor_questions SET status = 'answered', answered_at = now(), answered_by = $2, answer_note = $3 WHERE question_id = $1 AND status = 'open'`, [questionId, by, note]);
      return (rowCount ?? 0) > 0;
    },
  };
}
export type DebtorQuestionRepository = ReturnType<typeof createDebtorQuestionRepository>;
