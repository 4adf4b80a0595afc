import type { BrowserRules, BrowserFamily, OsFamily } from '../config/conditions.ts';
import type { ConditionDecision } from './conditions.ts';
import { compareVersions, type UserAgentInfo } from './user-agent.ts';

// Browser and operating-system conditions: a blocked family, or a version below the configured
// minimum, refuses the sign-in (or, with action "warn", lets it through with a notice), telling the
// user which browser or system was refused and what to do about it.

const UP_TO_DATE = 'an up-to-date Chrome, Edge, Firefox or Safari';

export function browserDecisions(
  rules: BrowserRules | undefined,
  agent: UserAgentInfo,
  appName: string,
): ConditionDecision[] {
  if (!rules) return [];
  const action = rules.action ?? 'deny';
  const decisions: ConditionDecision[] = [];
  const { browser, os } = agent;
  if (browser?.family && rules.block?.includes(browser.family)) {
    decisions.push({
      rule: `browser ${browser.name} (blocked): ${action}`,
      action,
      message: `${browser.name} can't be used to sign in to ${appName}.`,
      hint: `Open this page in ${UP_TO_DATE}.`,
    });
  }
  const old = tooOld(browser, rules.minimum);
  if (old) {
    decisions.push({
      rule: `browser ${browser!.name} ${browser!.version} (minimum ${old}): ${action}`,
      action,
      message:
        action === 'warn'
          ? `Your browser, ${agent.label}, is out of date and may soon be refused: update ${browser!.name} to version ${old} or later.`
          : `${agent.label} is too old to sign in to ${appName}.`,
      hint: `Update ${browser!.name} to version ${old} or later, or use ${UP_TO_DATE}, then try again.`,
    });
  }
  const oldOs = tooOld(os, rules.os);
  if (oldOs) {
    decisions.push({
      rule: `operating system ${os!.name} ${os!.version} (minimum ${oldOs}): ${action}`,
      action,
      message:
        action === 'warn'
          ? `${os!.name} ${os!.version} is out of date and may soon be refused: update it to ${oldOs} or later.`
          : `${os!.name} ${os!.version} is too old to sign in to ${appName}.`,
      hint: `Update ${os!.name} to ${oldOs} or later, or sign in from another device.`,
    });
  }
  return decisions;
}

/** The minimum `found` falls short of, if any (a version it does not report is not judged). */
function tooOld<F extends BrowserFamily | OsFamily>(
  found: { family?: F; version?: string } | undefined,
  minimum: Partial<Record<F, string>> | undefined,
): string | undefined {
  if (!found?.family || !found.version || !minimum) return undefined;
  const wanted = minimum[found.family];
  return wanted !== undefined && compareVersions(found.version, wanted) < 0 ? wanted : undefined;
}
