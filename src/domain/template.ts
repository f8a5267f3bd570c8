/**
 * Message templates use {{variable}} placeholders. Rendering is pure, so the workflow can render
 * deterministically and the text an operator sees in history is exactly what was sent.
 */
export const TEMPLATE_VARIABLES = [
  'debtorName',
  'creditorId',
  'accountId',
  'balance',
  'dueDate',
  'paymentLink',
  'optOutEmail',
  'daysPastDue',
  'serviceId',
  'collateralVin',
  'insuranceClaimId',
] as const;
/** Variables that are empty unless the account is of the given product; a template may use them only where that product is certain. */
export const PRODUCT_VARIABLES = { serviceId: 'utility', collateralVin: 'auto_loan', insuranceClaimId: 'medical' } as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Record<TemplateVariable, string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export function unknownPlaceholders(text: string): string[] {
  return placeholdersIn(text).filter((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name));
}

/** §1006.6(e), CAN-SPAM: an email's or a text's way to opt out, as a template must say it (reply STOP, or write to {{optOutEmail}}). */
export const OPT_OUT_INSTRUCTION = /\bSTOP\b|\{\{\s*optOutEmail\s*\}\}/;

/** Fills every placeholder; one without a value is an error (validation refuses unknown ones before a template is used). */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return substitute(text, values, (value) => value);
}

/** Text made safe inside HTML, as element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An HTML part: the template's own markup stays, every substituted value is escaped, so a debtor
 * named `<a href="https://evil.example">Pay here</a>` reads as that text, never as a link.
 */
export function renderHtmlTemplate(html: string, values: Readonly<Record<string, string>>): string {
  return substitute(html, values, escapeHtml);
}

function substitute(text: string, values: Readonly<Record<string, string>>, encode: (value: string) => string): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new RangeError(`template variable {{${name}}} has no value`);
    return encode(value);
  });
}
