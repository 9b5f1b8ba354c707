/**
 * The user's profile properties the emulator keeps (docs/graph-behaviour.md §17): single strings with
 * the maximum lengths Graph's user resource documents (https://learn.microsoft.com/graph/api/resources/user),
 * and `businessPhones`, a string collection of which Graph lets a user have at most one number.
 * A property without a documented maximum (officeLocation, employeeType) has none here.
 */
export const PROFILE_STRINGS = ['givenName', 'surname', 'jobTitle', 'department', 'companyName', 'officeLocation', 'employeeId', 'employeeType', 'city', 'country', 'mobilePhone'] as const;

export type ProfileString = (typeof PROFILE_STRINGS)[number];

/** "Maximum length is … characters" on the user resource page; employeeId's 16 is the current page's. */
export const MAX_LENGTH: Readonly<Partial<Record<ProfileString | 'displayName', number>>> = {
  displayName: 256,
  givenName: 64,
  surname: 64,
  jobTitle: 128,
  department: 64,
  companyName: 64,
  employeeId: 16,
  city: 128,
  country: 128,
  mobilePhone: 64,
};

/** "Although this is a string collection, only one number can be set for this property." */
export const MAX_BUSINESS_PHONES = 1;

export type ProfileChanges = { -readonly [K in ProfileString]?: string | null } & { displayName?: string; businessPhones?: string[] };

/** Whether a value fits the property's documented maximum length. */
export function fitsLength(property: ProfileString | 'displayName', value: string): boolean {
  const max = MAX_LENGTH[property];
  return max === undefined || value.length <= max;
}
