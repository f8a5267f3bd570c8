import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACTIVE_STAGES, LANGUAGES, PRODUCTS } from '../domain/account';
import { COLLECTION_LANGUAGE, isDebtorContact, STEP_ACTIONS, TEMPLATED_ACTIONS, TERMINAL_ACTIONS, type Cadence } from '../domain/cadence';
import { DEBT_COLLECTOR_DISCLOSURE, DISCLOSURE_EXAMPLES } from '../domain/disclosures';
import { isCourtesyStep } from '../domain/schedule';
import { DURATION_PATTERN, durationToMs } from '../domain/duration';
import { MAX_SPREAD_MS } from '../domain/schedule';
import { OPT_OUT_INSTRUCTION, PRODUCT_VARIABLES, placeholdersIn, TEMPLATE_VARIABLES, unknownPlaceholders } from '../domain/template';
import { answerTemplatesSchema } from './answer-templates.schema';
import { LONGEST_VALIDATION_PERIOD_DAYS, legalActionWord, remedyThreatsInValidationPeriod, remedyWord, SHORTEST_VALIDATION_PERIOD_DAYS, threatensRemedy } from '../domain/threats';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes');

const messageTemplateSchema = z.object({
  subject: z.string().min(1).optional(),
  text: z.string().min(1, 'is required'),
  html: z.string().min(1).optional(),
});

const stepSchema = z.object({
  id: slug,
  action: z.enum(STEP_ACTIONS, { error: `must be one of ${STEP_ACTIONS.join(', ')}` }),
  after: z.string().regex(DURATION_PATTERN, 'must be a duration such as "0d", "3d", "12h" or "30s" ("-3d": before the due date)'),
  from: z.enum(['enrollment', 'due_date', 'previous_step'], { error: 'must be enrollment, due_date or previous_step' }).optional(),
  businessDays: z.boolean().optional(),
  atLocalTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM such as "10:00"').optional(),
  spread: z
    .string()
    .regex(/^\d{1,4}(m|h)$/, 'must be a duration in minutes or hours such as "90m" or "3h"')
    .refine((v) => !/^\d{1,4}(m|h)$/.test(v) || (durationToMs(v) >= 60_000 && durationToMs(v) <= MAX_SPREAD_MS), 'must be between 1 minute and 12 hours')
    .optional(),
  template: z.string().min(1).optional(),
  when: z
    .object({
      minBalanceMinor: z.number().int('must be whole minor units').nonnegative().optional(),
      products: z.array(z.enum(PRODUCTS)).min(1).optional(),
      previousStepUnanswered: z.boolean().optional(),
    })
    .strict()
    .optional(),
  stage: z.enum(ACTIVE_STAGES, { error: `must be one of ${ACTIVE_STAGES.join(', ')}` }).optional(),
  label: z.string().min(1).max(80).optional(),
  threatensSuit: z.boolean().optional(),
  threatensRemedy: z.boolean().optional(),
}).strict();

const languageTemplates = z
  .object({ en: messageTemplateSchema })
  .extend(Object.fromEntries(LANGUAGES.filter((l) => l !== 'en').map((l) => [l, messageTemplateSchema.optional()])))
  .strict();

const article = (word: string) => (/^([aeiou]|sms)/.test(word) ? 'an' : 'a'); // "an SMS"

const NEEDS_SUBJECT = new Set(['email', 'letter', 'notify_credit_department', 'order_repossession', 'place_account']);

export const cadenceSchema = z
  .object({
    name: slug,
    version: z.number().int().positive(),
    description: z.string().default(''),
    products: z.array(z.enum(PRODUCTS)).min(1).optional(),
    steps: z.array(stepSchema).min(1, 'must have at least one step'),
    onBrokenPromise: z.object({ resumeAt: z.string().min(1) }).strict().optional(),
    templates: z.record(z.string(), languageTemplates),
    /** Answers to debtors' questions on this cadence's accounts, over the creditor's and the shipped ones. */
    answerTemplates: answerTemplatesSchema.optional(),
  })
  .strict()
  .superRefine((cadence, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const seen = new Set<string>();
    if (cadence.onBrokenPromise && !cadence.steps.some((s) => s.id === cadence.onBrokenPromise!.resumeAt))
      issue(['onBrokenPromise', 'resumeAt'], `names no step of this cadence ("${cadence.onBrokenPromise.resumeAt}")`);
    const templateProducts = new Map<string, Set<string> | null>(); // template → products it may run for (null: any)
    cadence.steps.forEach((step, i) => {
      const at = (field: string) => ['steps', i, field];
      const name = `step "${step.id}"`;
      if (seen.has(step.id)) issue(at('id'), `${name}: duplicate step id`);
      seen.add(step.id);
      // Refinements run even when a field already failed; a malformed offset is reported by the field.
      const validAfter = DURATION_PATTERN.test(step.after);
      if (step.businessDays && validAfter && !step.after.endsWith('d')) issue(at('businessDays'), `${name}: business days need an offset in days, e.g. "5d"`);
      if (step.atLocalTime && validAfter && !step.after.endsWith('d')) issue(at('atLocalTime'), `${name}: a local time of day needs an offset in days`);
      if (step.spread && !step.atLocalTime) issue(at('spread'), `${name}: a spread needs a local time of day to spread from ("atLocalTime")`);
      if (step.spread && step.atLocalTime && /^\d{1,4}(m|h)$/.test(step.spread)) {
        const [h, m] = step.atLocalTime.split(':').map(Number) as [number, number];
        const endMinutes = h * 60 + m + durationToMs(step.spread) / 60_000;
        // 21:00 is where the federal contact window ends (§1006.6(b)(1)(i)); past it the gate would hold the rest to the next morning.
        if (endMinutes > 21 * 60) issue(at('spread'), `${name}: ${step.atLocalTime} plus ${step.spread} ends after 21:00, outside the contact window`);
      }
      if (step.from === 'previous_step' && i === 0) issue(at('from'), `${name}: the first step has no previous step`);
      if (validAfter && step.after.startsWith('-') && step.from !== 'due_date') issue(at('after'), `${name}: only a step counted from the due date can come before it ("from: due_date")`);
      // A courtesy reminder (before or on the due date) is not debt collection and must not read like it.
      if (validAfter && isCourtesyStep(step) && step.template)
        for (const [language, template] of Object.entries(cadence.templates[step.template] ?? {}))
          for (const part of ['subject', 'text', 'html'] as const) {
            const text = template?.[part];
            const found = text ? COLLECTION_LANGUAGE.exec(text) : null;
            if (found) issue(['templates', step.template, language, part], `${name}: a reminder before the due date must not use collection language ("${found[0]}"); the account is not past due yet`);
          }
      if (step.when?.previousStepUnanswered && i === 0) issue(['steps', i, 'when', 'previousStepUnanswered'], `${name}: the first step has no previous step`);
      if (i > 0 && validAfter) {
        const previous = cadence.steps[i - 1]!;
        const sameAnchor = (step.from ?? 'enrollment') === (previous.from ?? 'enrollment') && !step.businessDays && !previous.businessDays;
        if (sameAnchor && step.from !== 'previous_step' && DURATION_PATTERN.test(previous.after) && durationToMs(step.after) < durationToMs(previous.after))
          issue(at('after'), `${name}: steps must be in ascending order of "after"`);
      }
      if (step.action in TERMINAL_ACTIONS && i !== cadence.steps.length - 1) issue(at('action'), `${name}: ${step.action} ends the account, so it must be the last step`);
      const templated = (TEMPLATED_ACTIONS as readonly string[]).includes(step.action);
      if (templated && !step.template) issue(at('template'), `${name}: ${article(step.action)} ${step.action} step needs a template`);
      if (!templated && step.template) issue(at('template'), `${name}: ${article(step.action)} ${step.action} step sends no message, so it takes no template`);
      if (!step.template) return;
      const templates = cadence.templates[step.template];
      if (!templates) return issue(at('template'), `${name}: unknown template "${step.template}"`);
      for (const [language, template] of Object.entries(templates)) {
        if (template && NEEDS_SUBJECT.has(step.action) && !template.subject)
          issue(['templates', step.template, language, 'subject'], `${name}: ${article(step.action)} ${step.action} template needs a subject`);
      }
      // §1006.6(e), CAN-SPAM: every email and text carries a clear way to opt out.
      if (step.action === 'email' || step.action === 'sms')
        for (const [language, template] of Object.entries(templates)) {
          if (template && !OPT_OUT_INSTRUCTION.test(template.text))
            issue(['templates', step.template, language, 'text'], `${name}: ${article(step.action)} ${step.action} text must tell how to opt out (reply STOP or {{optOutEmail}})`);
        }
      // §1006.18(e)(2), 15 U.S.C. 1692e(11): every collection email and text says it is from a debt
      // collector, in every language and part the debtor may read. Not courtesy reminders (not
      // collection, they must not read like it), calls (spoken), letters (the renderer prints it).
      if ((step.action === 'email' || step.action === 'sms') && validAfter && !isCourtesyStep(step))
        for (const [language, template] of Object.entries(templates))
          for (const part of step.action === 'email' ? (['text', 'html'] as const) : (['text'] as const)) {
            const text = template?.[part];
            if (text !== undefined && !DEBT_COLLECTOR_DISCLOSURE.test(text))
              issue(['templates', step.template, language, part], `${name}: ${article(step.action)} ${step.action} ${part} must say that it is from a debt collector (${DISCLOSURE_EXAMPLES})`);
          }
      // §1006.26(b): a message that speaks of legal action marks its step, so it never runs on a
      // time-barred debt; §1006.38(b): a message to the debtor that threatens a remedy marks its
      // step, so it does not go out inside the validation period unless it states the debtor's rights.
      for (const [language, template] of Object.entries(templates)) {
        if (!template) continue;
        const said = [template.subject, template.text, template.html].filter((t): t is string => t !== undefined).join('\n');
        const legal = legalActionWord(said);
        if (legal && !step.threatensSuit)
          issue(at('threatensSuit'), `${name}: its template "${step.template}" (${language}) speaks of legal action ("${legal}"): mark the step threatensSuit: true, so it never runs on a time-barred debt`);
        const remedy = isDebtorContact(step.action) && !legal ? remedyWord(said) : null;
        if (remedy && !threatensRemedy(step))
          issue(at('threatensRemedy'), `${name}: its template "${step.template}" (${language}) threatens a remedy ("${remedy}"): mark the step threatensRemedy: true, so it does not overshadow the debtor's rights during the validation period`);
      }
      const products = step.when?.products ?? cadence.products ?? null;
      const known = templateProducts.get(step.template);
      templateProducts.set(step.template, known === undefined ? (products ? new Set(products) : null) : known && products ? new Set([...known, ...products]) : null);
    });
    for (const [templateId, byLanguage] of Object.entries(cadence.templates)) {
      for (const [language, template] of Object.entries(byLanguage)) {
        if (!template) continue;
        for (const field of ['subject', 'text', 'html'] as const) {
          const text = template[field];
          if (text === undefined) continue;
          const path = ['templates', templateId, language, field];
          for (const name of unknownPlaceholders(text))
            issue(path, `template "${templateId}" (${language}) ${field}: unknown variable {{${name}}}; known: ${TEMPLATE_VARIABLES.join(', ')}`);
          // A product-specific variable would render empty for other products: refuse it unless only that product can reach the template.
          for (const name of placeholdersIn(text)) {
            const product = PRODUCT_VARIABLES[name as keyof typeof PRODUCT_VARIABLES];
            if (!product) continue;
            const reach = templateProducts.get(templateId);
            if (reach === null || (reach && [...reach].some((p) => p !== product)))
              issue(path, `template "${templateId}" (${language}) ${field}: {{${name}}} exists only for ${product} accounts; limit the cadence or the step to products [${product}]`);
          }
        }
      }
    }
  });

/**
 * What a valid cadence does that its author should know (not errors): each step that threatens a
 * remedy and can fall inside the validation period, which the account will hold until the period
 * has ended (or send with the statement of rights, if the creditor chose that).
 */
export function cadenceWarnings(cadence: Cadence): string[] {
  return remedyThreatsInValidationPeriod(cadence).map(({ index, step, day }) => {
    const when = day === null ? 'is counted from the due date, so it can fall' : `comes on day ${+day.toFixed(2)} after enrollment,`;
    return `steps.${index} (${step.id}): threatens a remedy and ${when} inside the validation period (it ends ${SHORTEST_VALIDATION_PERIOD_DAYS}-${LONGEST_VALIDATION_PERIOD_DAYS} days after the validation notice): it will wait until the period has ended, or go out with the statement of the debtor's rights where the creditor chose that (§1006.38(b))`;
  });
}

/** Validates a cadence document; the error names the step or template and the field at fault. */
export function parseCadence(document: unknown, source = 'cadence'): Cadence {
  const result = cadenceSchema.safeParse(document);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(document)'}: ${issue.message}`);
    throw new Error(`${source} is not a valid cadence:\n${lines.join('\n')}`);
  }
  return result.data as Cadence;
}

/** Reads a cadence from a .json, .yaml or .yml file. */
export function loadCadenceFile(path: string): Cadence {
  let document: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    document = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(`cannot read cadence ${path}: ${(error as Error).message}`);
  }
  return parseCadence(document, path);
}
