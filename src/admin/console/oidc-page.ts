import type { Form, Route } from '../../http/route.ts';
import { html, type Html } from '../../util/html.ts';
import { allows } from '../roles.ts';
import type { ConsoleKit } from './kit.ts';
import { csrfField, when, type ConsoleFrame } from './layout.ts';
import { donePage, shownOncePage } from './pages.ts';

// An OpenID Connect client's page: its registration, and (added in the console, for those who
// may change applications) a form to edit its name, redirect URIs and type.

interface OidcClientView {
  client_id: string;
  client_name: string;
  public: boolean;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  managedBy: 'console' | 'file';
  secretRotatedAt: number | null;
}

const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);

function clientPage(frame: ConsoleFrame, c: OidcClientView): Html {
  const editable = c.managedBy === 'console' && allows(frame.caller.role, 'applications:write');
  const details = html`<dl>
    <dt>client_id</dt>
    <dd><code>${c.client_id}</code></dd>
    <dt>Type</dt>
    <dd>${c.public ? 'public (no secret, PKCE)' : `confidential (secret made ${when(c.secretRotatedAt)})`}</dd>
    <dt>Redirect URIs</dt>
    <dd>${c.redirect_uris.join(', ')}</dd>
    <dt>Post-logout redirect URIs</dt>
    <dd>${c.post_logout_redirect_uris.join(', ') || '–'}</dd>
    <dt>Managed by</dt>
    <dd>${c.managedBy === 'file' ? 'file (read-only here)' : 'console'}</dd>
  </dl>`;
  if (!editable) return details;
  const action = `/admin/applications/oidc/${encodeURIComponent(c.client_id)}`;
  return html`${details}
    <h2>Edit</h2>
    <form method="post" action="${action}">
      ${csrfField(frame)}
      <label for="client-name">Name shown to users</label
      ><input id="client-name" name="client_name" value="${c.client_name}" required />
      <label for="client-redirects">Redirect URIs (one a line; https, no fragment)</label>
      <textarea id="client-redirects" name="redirect_uris" required>${c.redirect_uris.join('\n')}</textarea>
      <label for="client-logout">Post-logout redirect URIs (one a line)</label>
      <textarea id="client-logout" name="post_logout_redirect_uris">${c.post_logout_redirect_uris.join('\n')}</textarea>
      <label for="client-type">Type</label>
      <select id="client-type" name="public">
        <option value="false" ${c.public ? '' : html`selected`}>
          confidential (a secret; made now if it had none)
        </option>
        <option value="true" ${c.public ? html`selected` : ''}>public (no secret; its secret stops working)</option>
      </select>
      <button type="submit">Save</button>
    </form>`;
}

const edited = (body: Form) => ({
  client_name: body.client_name ?? '',
  redirect_uris: lines(body.redirect_uris),
  post_logout_redirect_uris: lines(body.post_logout_redirect_uris),
  public: body.public === 'true',
});

export function oidcClientRoutes({ page, post, run, show }: ConsoleKit): Route[] {
  const back = (p: Record<string, string>) => `/admin/applications/oidc/${encodeURIComponent(p.clientId ?? '')}`;
  return [
    page('/admin/applications/oidc/:clientId', 'applications:read', async (ctx, signed, params) => {
      const client = (await run('getOidcClient', signed, { params })) as OidcClientView;
      show(ctx, signed, '/admin/applications', client.client_name, clientPage(signed.frame, client));
    }),
    post('/admin/applications/oidc/:clientId', '/admin/applications', back, async (signed, body, params) => {
      const saved = (await run('updateOidcClient', signed, { params, body: edited(body) })) as OidcClientView & {
        client_secret?: string;
      };
      return saved.client_secret
        ? shownOncePage(
            `${saved.client_id} is confidential now; its client secret.`,
            [saved.client_secret],
            back(params),
          )
        : donePage(`Saved ${saved.client_id}: every node uses it now.`, back(params));
    }),
  ];
}
