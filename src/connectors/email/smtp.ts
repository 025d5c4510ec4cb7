import nodemailer from 'nodemailer';
import { z } from 'zod';
import { PublishError } from '../bluesky/publish.ts';

export const smtpConfigSchema = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65_535).default(587),
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  username: z.string().max(255).nullable().default(null),
  fromAddress: z.email(),
  fromName: z.string().max(120).nullable().default(null),
});
export type SmtpConfig = z.infer<typeof smtpConfigSchema>;

/**
 * Sends one email through the workspace's SMTP server. The Message-ID is fixed by the caller
 * (a retry sends the same message), and `references` (the earlier messages of the conversation,
 * oldest first) thread it in the customer's mail: In-Reply-To names the last of them (RFC 5322 §3.6.4).
 */
export async function sendEmail(
  config: SmtpConfig,
  password: string | null,
  mail: { messageId: string; to: string; subject: string; text: string; references?: string[] },
): Promise<{ messageId: string }> {
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.username && password ? { auth: { user: config.username, pass: password } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  try {
    const info = await transport.sendMail({
      from: config.fromName ? { name: config.fromName, address: config.fromAddress } : config.fromAddress,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      ...(mail.references?.length
        ? { inReplyTo: mail.references[mail.references.length - 1], references: mail.references }
        : {}),
    });
    return { messageId: info.messageId ?? mail.messageId };
  } catch (err) {
    const e = err as { responseCode?: number; message?: string };
    // 5xx replies are permanent (bad address, refused); network errors and 4xx may pass.
    throw new PublishError(
      `smtp: ${e.message ?? String(err)}`,
      !(e.responseCode !== undefined && e.responseCode >= 500),
    );
  } finally {
    transport.close();
  }
}
