import { html, type Html } from '../../util/html.ts';
import { allows } from '../roles.ts';
import { csrfField, type ConsoleFrame } from './layout.ts';

// Applications and policies in the console.

export interface AppRow {
  protocol: 'saml' | 'oidc';
  key: string;
  id: string;
  name: string;
  managedBy: 'console' | 'file';
}

const enc = encodeURIComponent;

export function applicationsPage(frame: ConsoleFrame, apps: AppRow[]): Html {
  const write = allows(frame.caller.role, 'applications:write');
  return html`<table><thead><tr><th scope="col">Name</th><th scope="col">Protocol</th><th scope="col">Entity ID or client_id</th><th scope="col">Managed by</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
<tbody>${apps.map(
    (
      a,
    ) => html`<tr><td><a href="/admin/applications/${a.protocol}/${enc(a.key)}">${a.name}</a></td><td>${a.protocol.toUpperCase()}</td><td>${a.id}</td><td>${a.managedBy === 'file' ? 'file (read-only here)' : 'console'}</td>
<td>${a.protocol === 'saml' ? html`<a href="/admin/applications/saml/${enc(a.key)}/idp-metadata" download>IdP metadata</a> · <a href="/admin/applications/saml/${enc(a.key)}/signing-certificate" download>certificate</a>` : ''}
${write && a.managedBy === 'console' ? html` · <form class="inline" method="post" action="/admin/applications/${a.protocol}/${enc(a.key)}/delete">${csrfField(frame)}<button class="link" type="submit" aria-label="Remove ${a.name}">Remove</button></form>` : ''}
${write && a.managedBy === 'console' && a.protocol === 'oidc' ? html` · <form class="inline" method="post" action="/admin/applications/oidc/${enc(a.key)}/secret">${csrfField(frame)}<button class="link" type="submit">Rotate secret</button></form>` : ''}</td></tr>`,
  )}</tbody></table>
${write ? addForms(frame) : ''}`;
}

function addForms(frame: ConsoleFrame): Html {
  return html`<h2>Add a SAML service provider</h2>
<form method="post" action="/admin/applications/saml" enctype="multipart/form-data">${csrfField(frame)}
<label for="sp-key">Key</label><p class="help" id="sp-key-help">A short name for the console's addresses: letters, digits, ".", "_" or "-".</p><input id="sp-key" name="key" aria-describedby="sp-key-help" required>
<label for="sp-name">Name shown to users</label><input id="sp-name" name="name">
<label for="sp-preset">Preset</label><select id="sp-preset" name="preset"><option value="">Generic</option><option value="adfs">AD FS</option><option value="okta">Okta</option><option value="pingfederate">PingFederate</option></select>
<label for="sp-file">Metadata file</label><input id="sp-file" name="metadataFile" type="file" accept=".xml,application/samlmetadata+xml,text/xml">
<label for="sp-url">or its metadata URL</label><input id="sp-url" name="metadataUrl" type="url">
<button type="submit">Add service provider</button></form>
<h2>Add an OpenID Connect client</h2>
<form method="post" action="/admin/applications/oidc">${csrfField(frame)}
<label for="client-id">client_id</label><input id="client-id" name="client_id" required>
<label for="client-name">Name shown to users</label><input id="client-name" name="client_name">
<label for="redirects">Redirect URIs</label><p class="help" id="redirects-help">One per line, matched exactly.</p><textarea id="redirects" name="redirect_uris" aria-describedby="redirects-help" required></textarea>
<div class="remember"><input type="checkbox" id="public" name="public" value="true"><label for="public">Public client (single-page or native app: no secret, PKCE)</label></div>
<button type="submit">Add client</button></form>`;
}

export interface PoliciesView {
  fileDefault: Record<string, unknown>;
  fileGroups: Array<Record<string, unknown>>;
  consoleDefault: Record<string, unknown> | null;
  consoleGroups: Array<Record<string, unknown>>;
  passwordless: 'allowed' | 'off';
}

export interface EffectiveView {
  user: string;
  app: string;
  policy: Record<string, unknown>;
  reasons: Record<string, string>;
}

export function policiesPage(
  frame: ConsoleFrame,
  view: PoliciesView,
  effective: EffectiveView | undefined,
  query: { user: string; app: string },
): Html {
  const owner = allows(frame.caller.role, 'passwordless:write');
  const write = allows(frame.caller.role, 'policies:write');
  return html`<h2>Passwordless sign-in for the organisation</h2>
<p>Now: <strong>${view.passwordless === 'allowed' ? 'allowed (the policies below decide who may use it)' : 'off for everyone'}</strong>.
Turned off, nobody can sign in with a passkey or the phone alone, or register a passkey; their passkeys stay and work again as second factors. Turned on, the policies decide.</p>
${
  owner
    ? html`<form method="post" action="/admin/policies/passwordless">${csrfField(frame)}
<input type="hidden" name="passwordless" value="${view.passwordless === 'allowed' ? 'off' : 'allowed'}">
<button type="submit">${view.passwordless === 'allowed' ? 'Turn passwordless off' : 'Turn passwordless on'}</button></form>`
    : html`<p class="muted">Only an owner can change this.</p>`
}
<h2>Global policy</h2>
<p>From the configuration file (policy.default): <code>${JSON.stringify(view.fileDefault)}</code></p>
${
  write
    ? html`<form method="post" action="/admin/policies/global">${csrfField(frame)}
<label for="layer">The console's layer over it (YAML or JSON, the keys of a policy layer)</label>
<textarea id="layer" name="layer">${view.consoleDefault ? JSON.stringify(view.consoleDefault, null, 2) : '{}'}</textarea>
<button type="submit">Save</button></form>`
    : html`<p>The console's layer: <code>${JSON.stringify(view.consoleDefault)}</code></p>`
}
<h2>Group policies</h2>
<p>For members of a group, at every application, applied in order after the global policy and the application's.
From the configuration file (policy.groups): <code>${JSON.stringify(view.fileGroups)}</code></p>
${
  write
    ? html`<form method="post" action="/admin/policies/groups">${csrfField(frame)}
<label for="group-layers">The console's group layers, applied after the file's (YAML or JSON: a list of entries as in policy.groups, each with <code>group</code>)</label>
<textarea id="group-layers" name="groups">${JSON.stringify(view.consoleGroups, null, 2)}</textarea>
<button type="submit">Save the group policies</button></form>`
    : html`<p>The console's group layers: <code>${JSON.stringify(view.consoleGroups)}</code></p>`
}
${
  write
    ? html`<h2>An application's policy</h2>
<form method="post" action="/admin/policies/application">${csrfField(frame)}
<label for="app-id">Application (its key, entity ID or client_id; added in the console)</label><input id="app-id" name="app" required>
<label for="app-layer">Its layer, with pilot groups applied last (YAML or JSON)</label>
<textarea id="app-layer" name="layer">{ passwordless: [], groups: [{ group: pilot, passwordless: [platform, roaming] }] }</textarea>
<button type="submit">Save the application's policy</button></form>`
    : ''
}
<h2>Effective policy</h2>
<form class="filters" method="get" action="/admin/policies">
<div><label for="eff-user">User</label><input id="eff-user" name="user" value="${query.user}"></div>
<div><label for="eff-app">Application</label><input id="eff-app" name="app" value="${query.app}"></div>
<button type="submit">Show</button></form>
${
  effective
    ? html`<table><caption>${effective.user} at ${effective.app}</caption><thead><tr><th scope="col">Setting</th><th scope="col">Value</th><th scope="col">Why</th></tr></thead>
<tbody>${Object.entries(effective.policy).map(([key, value]) => html`<tr><td>${key}</td><td><code>${JSON.stringify(value)}</code></td><td>${effective.reasons[key] ?? 'built-in default'}</td></tr>`)}</tbody></table>`
    : ''
}`;
}

export interface SamlAppView extends AppRow {
  acs: string[];
  options: Record<string, unknown>;
  source: string;
}

/** One SP: where it comes from, its endpoints, and its options (editable when the console manages it). */
export function samlAppPage(frame: ConsoleFrame, app: SamlAppView): Html {
  const editable = app.managedBy === 'console' && allows(frame.caller.role, 'applications:write');
  return html`<dl><dt>Entity ID</dt><dd>${app.id}</dd><dt>ACS</dt><dd>${app.acs.join(', ')}</dd>
<dt>Managed by</dt><dd>${app.managedBy === 'file' ? `file (${app.source}): change it there` : 'console'}</dd></dl>
<p><a href="/admin/applications/saml/${enc(app.key)}/idp-metadata" download>IdP metadata for ${app.name}</a> · <a href="/admin/applications/saml/${enc(app.key)}/signing-certificate" download>signing certificate</a></p>
${
  editable
    ? html`<form method="post" action="/admin/applications/saml/${enc(app.key)}/options">${csrfField(frame)}
<label for="options">Options (YAML or JSON: the keys of saml.serviceProviders.&lt;key&gt;, such as name, nameIdFormat, attributes, policy with its pilot groups)</label>
<textarea id="options" name="options">${JSON.stringify(app.options, null, 2)}</textarea>
<button type="submit">Save options</button></form>`
    : ''
}`;
}
