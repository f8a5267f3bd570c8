/**
 * Answer templates as a cadence document or the creditor directory gives them, checked when they
 * are loaded: every language's subject, email text and SMS present; no placeholder an answer
 * cannot fill; the operator's {{answer}}, a way to opt out and the debt-collector disclosure in both
 * the email and the SMS. Errors
 * name the language and the field (`answerTemplates.es.sms: unknown variable {{balanceDue}}; …`).
 */
import { z } from 'zod';
import { LANGUAGES } from '../domain/account';
import { ANSWER_VARIABLES, unknownAnswerPlaceholders, type AnswerTemplates } from '../domain/answer-templates';
import { DEBT_COLLECTOR_DISCLOSURE, DISCLOSURE_EXAMPLES } from '../domain/disclosures';
import { OPT_OUT_INSTRUCTION, placeholdersIn } from '../domain/template';

const answerTemplate = z
  .object({
    subject: z.string().trim().min(1, 'is required'),
    text: z.string().trim().min(1, 'is required'),
    sms: z.string().trim().min(1, 'is required'),
  })
  .strict();

export const answerTemplatesSchema = z
  .object({ en: answerTemplate })
  .extend(Object.fromEntries(LANGUAGES.filter((l) => l !== 'en').map((l) => [l, answerTemplate.optional()])))
  .strict()
  .superRefine((templates, ctx) => {
    for (const [language, template] of Object.entries(templates) as [string, z.infer<typeof answerTemplate> | undefined][]) {
      if (!template) continue;
      const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [language, field], message });
      for (const field of ['subject', 'text', 'sms'] as const)
        for (const name of unknownAnswerPlaceholders(template[field])) issue(field, `unknown variable {{${name}}}; an answer knows ${ANSWER_VARIABLES.join(', ')}`);
      for (const field of ['text', 'sms'] as const) {
        if (!placeholdersIn(template[field]).includes('answer')) issue(field, "must contain {{answer}}, where the operator's answer goes");
        // §1006.6(e), CAN-SPAM: as every email and text.
        if (!OPT_OUT_INSTRUCTION.test(template[field])) issue(field, 'must tell how to opt out (reply STOP or {{optOutEmail}})');
        // §1006.18(e)(2), 15 U.S.C. 1692e(11): every communication after the first says it is from a debt collector, as the shipped templates do.
        if (!DEBT_COLLECTOR_DISCLOSURE.test(template[field])) issue(field, `must say that it is from a debt collector (${DISCLOSURE_EXAMPLES})`);
      }
    }
  })
  .transform((templates) => templates as AnswerTemplates);
