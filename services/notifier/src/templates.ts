// Message texts. The TAP secret appears only in the body of the message to the target, never
// in a subject (subjects show up in notifications, previews and mail logs). Every value that
// goes into HTML is escaped, including ones that "cannot" contain markup.

export interface EmailContent {
  readonly subject: string;
  readonly plainText: string;
  readonly html: string;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `2026-11-25 14:05 UTC`: unambiguous for a reader in any time zone. */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface TapMessageInput {
  readonly secret: string;
  readonly expiresAt: Date;
}

export function tapSms({ secret, expiresAt }: TapMessageInput): string {
  return `Your Temporary Access Pass is ${secret} (valid until ${formatUtc(expiresAt)}). ` +
    'Use it to sign in and set up your authenticator. Never share it; IT will not ask for it.';
}

export function tapEmail({ secret, expiresAt }: TapMessageInput): EmailContent {
  const until = formatUtc(expiresAt);
  return {
    subject: 'Your Temporary Access Pass',
    plainText: [
      'Your manager requested a Temporary Access Pass for you.',
      '',
      `Temporary Access Pass: ${secret}`,
      `Valid until: ${until}`,
      '',
      'Use it to sign in and set up your authenticator. Never share it; IT will not ask for it.',
      'If you did not expect this message, contact your IT service desk.',
    ].join('\n'),
    html: [
      '<!doctype html><html><body>',
      '<p>Your manager requested a Temporary Access Pass for you.</p>',
      `<p>Temporary Access Pass: <strong style="font-family:monospace">${escapeHtml(secret)}</strong><br>`,
      `Valid until: ${escapeHtml(until)}</p>`,
      '<p>Use it to sign in and set up your authenticator. Never share it; IT will not ask for it.</p>',
      '<p>If you did not expect this message, contact your IT service desk.</p>',
      '</body></html>',
    ].join(''),
  };
}

export type ChannelUsed = 'sms' | 'email';

export interface ConfirmationInput {
  /** The reference id the manager can quote (`TL-0E60F18C`). */
  readonly referenceId: string;
  readonly channel: ChannelUsed;
  /** Already masked: the last two digits of the phone, or `b***@example.com`. */
  readonly maskedContact: string;
  readonly expiresAt: Date;
}

function deliveredTo({ channel, maskedContact }: ConfirmationInput): string {
  return channel === 'sms'
    ? `by SMS to the number ending ${maskedContact}`
    : `by email to ${maskedContact}`;
}

/** To the requesting manager: what happened, never the secret, the contact masked. */
export function confirmationEmail(input: ConfirmationInput): EmailContent {
  const sentence = `The Temporary Access Pass you requested was sent ${deliveredTo(input)}. ` +
    `It is valid until ${formatUtc(input.expiresAt)}.`;
  const reference = `Reference: ${input.referenceId}`;
  return {
    subject: 'Temporary Access Pass sent',
    plainText: [sentence, '', reference].join('\n'),
    html: `<!doctype html><html><body><p>${escapeHtml(sentence)}</p><p>${escapeHtml(reference)}</p></body></html>`,
  };
}

/**
 * To the requesting manager when the request was not fulfilled. `text` is the domain's manager
 * notice (`managerNotice`): one wording per broad category, and any protected reason (an admin
 * role, a recent manager change, ...) reads as "not eligible", so nothing protected leaks.
 */
export function denialNoticeEmail(input: { readonly referenceId: string; readonly text: string }): EmailContent {
  const reference = `Reference: ${input.referenceId}`;
  return {
    subject: 'Temporary Access Pass request not fulfilled',
    plainText: [input.text, '', reference].join('\n'),
    html: `<!doctype html><html><body><p>${escapeHtml(input.text)}</p><p>${escapeHtml(reference)}</p></body></html>`,
  };
}
