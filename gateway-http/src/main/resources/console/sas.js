// Service SAS tokens signed in the browser with WebCrypto: the policy key is used here and then dropped; only
// the token (which expires) is sent or kept. Same form as the service SDKs and gateway-core's SasTokens:
// SharedAccessSignature sr={urlenc(host)}&sig={urlenc(b64(HMAC-SHA256(b64decode(key), sr + "\n" + se)))}&se={expiry}&skn={policy}

const encoder = new TextEncoder();

export async function serviceToken(host, policy, base64Key, lifetimeSeconds) {
  if (!window.crypto || !crypto.subtle) {
    throw new Error('this page must be opened over HTTPS to sign tokens');
  }
  const sr = encodeURIComponent(host.toLowerCase());
  const expiry = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const key = await crypto.subtle.importKey('raw', decodeBase64(base64Key), { name: 'HMAC', hash: 'SHA-256' },
    false, ['sign']);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${sr}\n${expiry}`)));
  const sig = encodeURIComponent(btoa(String.fromCharCode(...signature)));
  return {
    token: `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiry}&skn=${encodeURIComponent(policy)}`,
    expiry,
  };
}

function decodeBase64(text) {
  try {
    return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  } catch {
    throw new Error('the key is not base64');
  }
}
