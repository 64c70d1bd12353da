'use strict';
// Masking of secrets in text the extension shows (output channel, notifications).
// Same rules as the Python package's beamline_store.secrets.mask_text: passwords in
// connection URLs and `password=` conninfo keywords, plus every known secret value.

const MASK = '[MASKED]';

// postgresql://user:secret@host  (the password part, up to the last '@' before the host)
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]*)(?=@)/gi;
// password=secret  or  password='se cret'
const KW_PASSWORD = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)/gi;

/** Known secrets shorter than this are not replaced (they would mangle ordinary words). */
const MIN_SECRET_LENGTH = 4;

/**
 * `text` with URL/conninfo passwords and every value of `secrets` replaced by `[MASKED]`.
 * @param {string} text
 * @param {Array<string|undefined|null>} [secrets]
 * @returns {string}
 */
function maskText(text, secrets = []) {
  let out = String(text)
    .replace(URL_PASSWORD, (_m, pre) => pre + MASK)
    .replace(KW_PASSWORD, (_m, pre) => pre + MASK);
  const values = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))];
  values.sort((a, b) => b.length - a.length);
  for (const value of values) {
    out = out.split(value).join(MASK);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out = out.split(encoded).join(MASK);
  }
  return out;
}

/** `line` masked and flattened to one line (for the output channel). */
function maskLine(line, secrets = []) {
  return maskText(line, secrets).split(/\s+/).filter(Boolean).join(' ');
}

module.exports = { MASK, maskText, maskLine };
