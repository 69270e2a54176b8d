// moderate-data — the vocabulary the moderator's console shows: the DSA
// statement categories and the decision actions (names as the API takes
// them; labels from the page catalogue).
export const CATEGORIES = [
  'ANIMAL_WELFARE', 'DATA_PROTECTION_AND_PRIVACY_VIOLATIONS', 'ILLEGAL_OR_HARMFUL_SPEECH',
  'INTELLECTUAL_PROPERTY_INFRINGEMENTS', 'NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS',
  'NON_CONSENSUAL_BEHAVIOUR', 'PORNOGRAPHY_OR_SEXUALIZED_CONTENT', 'PROTECTION_OF_MINORS',
  'RISK_FOR_PUBLIC_SECURITY', 'SCAMS_AND_FRAUD', 'SELF_HARM', 'SCOPE_OF_PLATFORM_SERVICE',
  'UNSAFE_AND_ILLEGAL_PRODUCTS', 'VIOLENCE',
].map((c) => 'STATEMENT_CATEGORY_' + c);

export const ACTIONS = ['remove', 'disable', 'restrict', 'age_restrict', 'restrict_interaction', 'label',
  'suspend', 'terminate', 'keep'];

export const catKey = (c) => 'moderate.cat.' + String(c || '').replace('STATEMENT_CATEGORY_', '').toLowerCase();

// Is the element one the person types into (shortcuts must not fire there)?
export function typing(target) {
  if (!target || !target.closest) return false;
  return !!target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}
