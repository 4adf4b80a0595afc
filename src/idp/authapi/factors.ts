import type { Position } from '../../authn/flow.ts';
import type { Passcodes } from '../../methods/passcodes/passcodes.ts';
import type { PushDevice } from '../../methods/push/push.ts';

// What preauth tells a client about the user's factors, from where the sign-in stands (the steps
// policy offers this integration for this user): the Latch Authenticator as a phone that can be
// pushed to and shows passcodes, authenticator apps and OATH tokens as tokens. With text_prompt,
// also the numbered menu login_duo prints and the factor names its answers map to ("1" → "push1").

export interface Device {
  device: string;
  type: 'phone' | 'token';
  name: string;
  display_name: string;
  number: string;
  capabilities: string[];
}

export interface TextPrompt {
  text: string;
  factors: Record<string, string>;
}

export interface UsableFactors {
  devices: Device[];
  /** The phone, when push is offered. */
  phone?: PushDevice;
  passcodes: boolean;
  bypassCodes: boolean;
}

export async function usableFactors(
  position: Position,
  passcodes: Passcodes,
  phone: PushDevice | undefined,
): Promise<UsableFactors> {
  const offered = new Set(position.available.map((s) => s.step.id));
  const userId = position.tx.user!.id;
  const devices: Device[] = [];
  const push = offered.has('push') && phone ? phone : undefined;
  if (phone && (push || offered.has('passcode'))) {
    const capabilities = [...(push ? ['auto', 'push'] : []), ...(offered.has('passcode') ? ['mobile_otp'] : [])];
    devices.push({
      device: phone.id,
      type: 'phone',
      name: phone.name,
      display_name: `Latch Authenticator (${phone.name})`,
      number: '',
      capabilities,
    });
  }
  if (offered.has('passcode')) {
    for (const credential of await passcodes.credentials.listForUser(userId)) {
      const label = credential.source === 'token' ? `Token ${credential.serial ?? ''}`.trim() : 'Authenticator app';
      devices.push({
        device: credential.id,
        type: 'token',
        name: label,
        display_name: label,
        number: '',
        capabilities: [],
      });
    }
  }
  return { devices, phone: push, passcodes: offered.has('passcode'), bypassCodes: offered.has('bypass-code') };
}

/** The menu login_duo shows, and what each answer stands for. */
export function textPrompt(username: string, factors: UsableFactors): TextPrompt {
  const options: Array<[string, string]> = factors.phone
    ? [['push1', `Push to the Latch Authenticator (${factors.phone.name})`]]
    : [];
  const lines = options.map(([, label], i) => ` ${i + 1}. ${label}`);
  const ask = options.length > 0 ? `Passcode or option (1-${options.length}): ` : 'Passcode: ';
  const intro =
    options.length > 0
      ? 'Enter a passcode or select one of the following options:'
      : 'Enter a passcode from your authenticator app, token or the Latch Authenticator.';
  const text = [
    `Latch two-factor login for ${username}`,
    '',
    intro,
    '',
    ...lines,
    ...(lines.length ? [''] : []),
    ask,
  ].join('\n');
  const map: Record<string, string> = Object.fromEntries(options.map(([factor], i) => [String(i + 1), factor]));
  if (options[0]) map.default = options[0][0];
  return { text, factors: map };
}
