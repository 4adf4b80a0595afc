import { ADMIN_ROLES, type AdminRole } from '../../config/admin.ts';
import { html, type Html } from '../../util/html.ts';
import { allows, ROLE_NAMES } from '../roles.ts';
import { csrfField, type ConsoleFrame } from './layout.ts';

// Who holds which admin role, in the console: the file's entries read-only, the console's with a
// way to revoke them; owners grant roles to a user or a group.

export interface RoleHolder {
  kind: 'user' | 'group';
  name: string;
  role: AdminRole;
  managedBy: 'file' | 'console';
}

const holderPath = (h: RoleHolder) => `/admin/roles/${h.kind}s/${encodeURIComponent(h.name)}`;

export function rolesPage(frame: ConsoleFrame, holders: RoleHolder[]): Html {
  const owner = allows(frame.caller.role, 'roles:write');
  return html`<table>
      <thead>
        <tr>
          <th scope="col">User or group</th>
          <th scope="col">Role</th>
          <th scope="col">Managed by</th>
          ${owner ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${holders.map(
          (h) =>
            html`<tr>
              <td>${h.kind} ${h.name}</td>
              <td>${ROLE_NAMES[h.role]}</td>
              <td>${h.managedBy === 'file' ? 'managed by file' : 'console'}</td>
              ${owner ? html`<td>${h.managedBy === 'console' ? html`<a href="${holderPath(h)}/revoke">Revoke</a>` : ''}</td>` : ''}
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      owner
        ? html`<h2>Grant a role</h2>
            <form method="post" action="/admin/roles">
              ${csrfField(frame)}
              <label for="role-kind">To a</label>
              <select id="role-kind" name="kind">
                <option value="users">user</option>
                <option value="groups">group</option>
              </select>
              <label for="role-name">Username or group name</label><input id="role-name" name="name" required />
              <label for="role-role">Role</label>
              <select id="role-role" name="role">
                ${ADMIN_ROLES.map((r) => html`<option value="${r}">${ROLE_NAMES[r]}</option>`)}
              </select>
              <button type="submit">Grant</button>
            </form>`
        : html`<p class="muted">Only an owner can grant or revoke roles.</p>`
    }`;
}
