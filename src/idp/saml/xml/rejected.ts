/**
 * Why XML from outside was refused (prescan.ts, parse.ts, the signature checks); `message` is safe
 * to log, never shown with a stack. A request's refusal becomes a SamlError (sp-message.ts), a
 * metadata file's a configuration problem.
 */
export class XmlRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRejected';
  }
}
