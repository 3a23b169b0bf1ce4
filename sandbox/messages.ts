import type { Request } from 'express';

/** The guide's response bodies, with `message` localised by `Accept-language` as BORICA does. */
const MESSAGES = {
  OK: {
    en: 'The request has been executed successfully.',
    bg: 'Заявката е успешно изпълнена.',
  },
  ACCEPTED: {
    en: 'The request has been accepted.',
    bg: 'Заявката е приета.',
  },
  BAD_REQUEST: {
    en: 'The request could not be understood by the server due to malformed syntax (invalid request parameters).',
    bg: 'Заявката не може да бъде обработена поради невалидни параметри.',
  },
  UNAUTHORIZED: {
    en: 'The request is unauthorized.',
    bg: 'Заявката не е оторизирана.',
  },
  NOT_FOUND: {
    en: 'The server has not found the signed content.',
    bg: 'Сървърът не откри търсеното съдържание.',
  },
  REJECTED: {
    en: 'The request is rejected.',
    bg: 'Заявката е отхвърлена.',
  },
  ERROR: {
    en: 'Internal server error. The server encountered an unexpected condition which prevented it from fulfilling the request.',
    bg: 'Вътрешна грешка на сървъра.',
  },
} as const;

export type MessageCode = keyof typeof MESSAGES;

/** English unless the caller put Bulgarian first in `Accept-language`. */
export function messageFor(code: MessageCode, request?: Request): string {
  const header = request?.get('accept-language')?.trim().toLowerCase() ?? '';
  return MESSAGES[code][header.startsWith('bg') ? 'bg' : 'en'];
}
