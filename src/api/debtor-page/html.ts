/**
 * The debtor's page as HTML: one layout (landmarks, a skip link, the language switch, the
 * debt-collector disclosure), form parts that label every input and tie each error to its field,
 * and the security headers every answer carries. No script anywhere; the one stylesheet is inline
 * and allowed by its hash, so the Content-Security-Policy allows no inline script at all. Every
 * value is escaped where it is written.
 */
import { createHash } from 'node:crypto';
import { escapeHtml } from '../../domain/template';
import type { ApiResponse } from '../http';
import type { PageLanguage, Strings } from './i18n';

/** Mobile first: one column, large targets, visible focus, AA contrast (text #1b1b1b, links and buttons #0b4f8a on white: 8.4:1). */
const CSS = `*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.0625rem;line-height:1.55;color:#1b1b1b;background:#fff}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}.skip:focus{left:.5rem}
header,main,footer{max-width:40rem;margin:0 auto;padding:0 1rem}header{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding-top:.75rem;padding-bottom:.75rem;border-bottom:1px solid #c9c9c9}
main{padding-top:1rem;padding-bottom:2rem}footer{font-size:.9375rem;color:#3d3d3d;border-top:1px solid #c9c9c9;padding-top:1rem;padding-bottom:2rem}
a{color:#0b4f8a;text-decoration:underline}a:focus,button:focus,input:focus,textarea:focus,select:focus{outline:3px solid #b45309;outline-offset:2px}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}h2{font-size:1.25rem;margin:1.75rem 0 .5rem}
label,legend{display:block;font-weight:600;margin:.75rem 0 .25rem}fieldset{border:1px solid #c9c9c9;border-radius:6px;padding:.5rem 1rem 1rem;margin:1rem 0}
.choice{display:flex;align-items:flex-start;gap:.5rem;margin:.5rem 0}.choice label{font-weight:400;margin:0}.choice input{width:1.4rem;height:1.4rem;margin-top:.15rem;flex:none}
input[type=text],input[type=email],input[type=tel],input[type=date],input[type=number],textarea{width:100%;font-size:1.0625rem;padding:.6rem;border:2px solid #5f5f5f;border-radius:4px;background:#fff;color:#1b1b1b}
textarea{min-height:8rem}.hint{display:block;color:#3d3d3d;font-size:.9375rem;margin-bottom:.25rem}
button{font-size:1.0625rem;font-weight:600;padding:.75rem 1.25rem;min-height:44px;border:0;border-radius:6px;background:#0b4f8a;color:#fff;cursor:pointer;margin-top:1rem}
button.link{background:none;color:#0b4f8a;text-decoration:underline;padding:0;min-height:0;margin:0;font-weight:400}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}.notice{border-left:5px solid #0b4f8a;background:#eef4fa;padding:.75rem 1rem;margin:1rem 0}
.error{border-left:5px solid #a61b1b;background:#fbeaea;padding:.75rem 1rem;margin:1rem 0}.field-error{display:block;color:#a61b1b;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.4rem .3rem;border-bottom:1px solid #c9c9c9;vertical-align:top}td.num,th.num{text-align:right}
ul.actions{list-style:none;padding:0}ul.actions li{margin:.5rem 0}ul.actions a{display:block;padding:.75rem 1rem;border:2px solid #0b4f8a;border-radius:6px;text-decoration:none;font-weight:600}
caption{text-align:left;font-weight:600;padding:.25rem 0}`;
const CSS_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;

/** The headers of every page: no script, no framing, no referrer, nothing cached, nothing sniffed. */
export function securityHeaders(options: { https: boolean; formActions?: string[] }): Record<string, string> {
  const formAction = ["'self'", ...(options.formActions ?? [])].join(' ');
  return {
    'content-security-policy': `default-src 'none'; style-src '${CSS_HASH}'; img-src 'self'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    'x-robots-tag': 'noindex, nofollow',
    ...(options.https ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

export const e = escapeHtml;

export interface Layout {
  lang: PageLanguage;
  t: Strings;
  title: string;
  /** The page's URL path, for the language switch. */
  path: string;
  /** Signed-in pages: the sign-out form (with its CSRF token) and the way home. */
  signedIn?: { home: string; signOut: string; csrf: string };
  body: string;
}

export function page(layout: Layout): string {
  const { t } = layout;
  const other = t.otherLanguageCode;
  const header = `<header><a href="${e(`${layout.path}?lang=${other}`)}" lang="${other}" hreflang="${other}">${t.otherLanguage}</a>${
    layout.signedIn
      ? `<nav aria-label="${e(t.home)}"><a href="${e(layout.signedIn.home)}">${t.home}</a></nav><form method="post" action="${e(layout.signedIn.signOut)}">${csrfField(layout.signedIn.csrf)}<button class="link" type="submit">${t.signOut}</button></form>`
      : ''
  }</header>`;
  return `<!doctype html><html lang="${layout.lang}" dir="ltr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex, nofollow"><title>${e(layout.title)}</title><style>${CSS}</style></head><body><a class="skip" href="#main">${t.skip}</a>${header}<main id="main" tabindex="-1"><h1>${e(layout.title)}</h1>${layout.body}</main><footer><p>${t.disclosure}</p></footer></body></html>`;
}

export const csrfField = (token: string) => `<input type="hidden" name="csrf" value="${e(token)}">`;

/** A labelled input with its hint and its error tied to it for screen readers. */
export function field(options: { name: string; label: string; type?: string; value?: string | null; hint?: string; error?: string; required?: boolean; autocomplete?: string; inputmode?: string; maxlength?: number }): string {
  const id = `f-${options.name}`;
  const describedBy = [options.hint ? `${id}-hint` : null, options.error ? `${id}-error` : null].filter(Boolean).join(' ');
  return `<label for="${id}">${e(options.label)}</label>${options.hint ? `<span class="hint" id="${id}-hint">${e(options.hint)}</span>` : ''}${
    options.error ? `<span class="field-error" id="${id}-error">${e(options.error)}</span>` : ''
  }<input id="${id}" name="${e(options.name)}" type="${options.type ?? 'text'}" value="${e(options.value ?? '')}"${options.required ? ' required' : ''}${options.autocomplete ? ` autocomplete="${options.autocomplete}"` : ''}${
    options.inputmode ? ` inputmode="${options.inputmode}"` : ''
  }${options.maxlength ? ` maxlength="${options.maxlength}"` : ''}${describedBy ? ` aria-describedby="${describedBy}"` : ''}${options.error ? ' aria-invalid="true"' : ''}>`;
}

export function textarea(options: { name: string; label: string; value?: string | null; error?: string; required?: boolean; maxlength: number }): string {
  const id = `f-${options.name}`;
  return `<label for="${id}">${e(options.label)}</label>${options.error ? `<span class="field-error" id="${id}-error">${e(options.error)}</span>` : ''}<textarea id="${id}" name="${e(options.name)}" maxlength="${options.maxlength}"${options.required ? ' required' : ''}${
    options.error ? ` aria-describedby="${id}-error" aria-invalid="true"` : ''
  }>${e(options.value ?? '')}</textarea>`;
}

/** Radio buttons or checkboxes in a fieldset whose legend names the group. */
export function choices(options: { name: string; legend: string; type?: 'radio' | 'checkbox'; items: { value: string; label: string; checked?: boolean }[]; error?: string; id?: string }): string {
  const type = options.type ?? 'radio';
  const idBase = `f-${options.id ?? options.name}`;
  const errorId = `${idBase}-error`;
  return `<fieldset${options.error ? ` aria-describedby="${errorId}"` : ''}><legend>${e(options.legend)}</legend>${options.error ? `<span class="field-error" id="${errorId}">${e(options.error)}</span>` : ''}${options.items
    .map((item, i) => {
      const id = `${idBase}-${i}`;
      return `<div class="choice"><input type="${type}" id="${id}" name="${e(options.name)}" value="${e(item.value)}"${item.checked ? ' checked' : ''}><label for="${id}">${e(item.label)}</label></div>`;
    })
    .join('')}</fieldset>`;
}

/** The errors of a form, at its top, announced, each linking to its field. */
export function errorSummary(t: Strings, errors: Record<string, string>): string {
  const entries = Object.entries(errors);
  if (entries.length === 0) return '';
  return `<div class="error" role="alert"><h2>${t.errorsTitle}</h2><ul>${entries.map(([name, message]) => `<li><a href="#f-${e(name)}">${e(message)}</a></li>`).join('')}</ul></div>`;
}

export function htmlResponse(status: number, html: string, headers: Record<string, string | string[]>): ApiResponse {
  return { status, text: html, contentType: 'text/html; charset=utf-8', headers };
}
