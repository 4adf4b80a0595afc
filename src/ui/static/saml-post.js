// Submits the SAML HTTP-POST form as soon as the page loads (the CSP forbids inline script).
document.getElementById('saml-post')?.submit();
