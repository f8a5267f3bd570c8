import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Cadence } from '../domain/cadence';
import { DURATION_PATTERN, durationToMs } from '../domain/duration';
import { unknownPlaceholders, TEMPLATE_VARIABLES } from '../domain/template';
import { LANGUAGES } from '../domain/account';

const messageTemplateSchema = z.object({
  subject: z.string().min(1).optional(),
  text: z.string().min(1, 'is required'),
  html: z.string().min(1).optional(),
});

const stepSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
  after: z.string().regex(DURATION_PATTERN, 'must be a duration such as "0d", "3d", "12h" or "30s"'),
  action: z.enum(['email', 'sms'], { error: 'must be email or sms' }),
  template: z.string().min(1, 'is required'),
});

const languageTemplates = z
  .object({ en: messageTemplateSchema })
  .extend(Object.fromEntries(LANGUAGES.filter((l) => l !== 'en').map((l) => [l, messageTemplateSchema.optional()])))
  .strict();

export const cadenceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
    version: z.number().int().positive(),
    description: z.string().default(''),
    steps: z.array(stepSchema).min(1, 'must have at least one step'),
    templates: z.record(z.string(), languageTemplates),
  })
  .superRefine((cadence, ctx) => {
    const seen = new Set<string>();
    let previousMs = -1;
    cadence.steps.forEach((step, i) => {
      const where = (field: string) => ['steps', i, field];
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: where('id'), message: `step "${step.id}": duplicate step id` });
      seen.add(step.id);
      // Refinements run even when a field already failed; a malformed offset is reported above.
      const ms = DURATION_PATTERN.test(step.after) ? durationToMs(step.after) : previousMs;
      if (ms < previousMs) ctx.addIssue({ code: 'custom', path: where('after'), message: `step "${step.id}": steps must be in ascending order of "after"` });
      previousMs = Math.max(previousMs, ms);
      const templates = cadence.templates[step.template];
      if (!templates) {
        ctx.addIssue({ code: 'custom', path: where('template'), message: `step "${step.id}": unknown template "${step.template}"` });
        return;
      }
      for (const [language, template] of Object.entries(templates)) {
        if (!template) continue;
        if (step.action === 'email' && !template.subject)
          ctx.addIssue({ code: 'custom', path: ['templates', step.template, language, 'subject'], message: `step "${step.id}": an email template needs a subject` });
      }
    });
    for (const [templateId, byLanguage] of Object.entries(cadence.templates)) {
      for (const [language, template] of Object.entries(byLanguage)) {
        if (!template) continue;
        for (const field of ['subject', 'text', 'html'] as const) {
          const text = template[field];
          if (text === undefined) continue;
          for (const name of unknownPlaceholders(text))
            ctx.addIssue({
              code: 'custom',
              path: ['templates', templateId, language, field],
              message: `template "${templateId}" (${language}) ${field}: unknown variable {{${name}}}; known: ${TEMPLATE_VARIABLES.join(', ')}`,
            });
        }
      }
    }
  });

/** Validates a cadence document; the error names the step or template and the field at fault. */
export function parseCadence(document: unknown, source = 'cadence'): Cadence {
  const result = cadenceSchema.safeParse(document);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(document)'}: ${issue.message}`);
    throw new Error(`${source} is not a valid cadence:\n${lines.join('\n')}`);
  }
  return result.data as Cadence;
}

export function loadCadenceFile(path: string): Cadence {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read cadence ${path}: ${(error as Error).message}`);
  }
  return parseCadence(document, path);
}
