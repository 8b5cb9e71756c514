import type { PromptName, Settings } from '../commons/schemas.js';

/** What the caller hears unless settings override it (settings.prompts). */
export const defaultPrompts: Readonly<Record<PromptName, string>> = {
  unknownNumber: 'Sorry, this number is not in service. Goodbye.',
  noGroup: 'Sorry, nobody takes calls on this number at the moment. Goodbye.',
  unknownExtension: 'Sorry, that extension does not exist. Please hold.',
  voicemail: 'Nobody is available to take your call. Please leave a message after the tone.',
  voicemailThanks: 'Thank you for your message. Goodbye.',
  noMessage: 'We did not receive a message. Goodbye.',
  apology: 'Sorry, we are having technical difficulties. Please leave a message after the tone.',
  position: 'You are number {position} in line. Please hold.',
  unknownCaller: 'This phone is not registered with any member. Goodbye.',
  notSupported: 'Sorry, that number cannot be called from here. Goodbye.',
  nothingToPickUp: 'There is no call to pick up. Goodbye.',
  lineClosed: 'The line is now closed. Goodbye.',
  lineOpen: 'The line is now open. Goodbye.',
  notAllowedToToggle: 'Sorry, you may not open or close the line from this phone. Goodbye.',
  toggleFailed: 'Sorry, the line could not be switched. Please try again later. Goodbye.',
  estimatedWait: 'Your expected wait is about {minutes} minutes.',
  estimatedWaitOne: 'Your expected wait is about one minute.',
  menuCallback: 'To be called back without losing your place in line, press 1.',
  menuVoicemail: 'To leave a message instead of waiting, press 2.',
  menuUnknownKey: 'Sorry, that key does nothing here.',
  callbackOffer: 'We will call you back at {number}. To confirm, press 1. To give another number, press 2.',
  callbackEnterNumber: 'Please enter the number to call back, with its country code, then press the pound key.',
  callbackBadNumber: 'Sorry, that is not a number we can call. Please hold.',
  callbackBooked: 'Thank you. We will call you back when it is your turn. Goodbye.',
  callbackAlreadyBooked: 'A callback to this number is already planned. Please hold.',
  callbackWhisper: 'Callback for {caller}, who waited {minutes} minutes. Connecting.',
  callbackWhisperOne: 'Callback for {caller}, who waited about one minute. Connecting.',
  callbackNotReached: 'The caller did not answer. Goodbye.',
};

/**
 * The built-in prompts in the languages most companies using this ask for first. A language is
 * matched by its primary subtag (`de-DE`, `de-AT` and `de-CH` all speak German).
 */
const builtInPrompts: Readonly<Record<string, Readonly<Record<PromptName, string>>>> = {
  en: defaultPrompts,
  de: {
    unknownNumber: 'Diese Rufnummer ist leider nicht vergeben. Auf Wiederhören.',
    noGroup: 'Unter dieser Nummer ist im Moment leider niemand erreichbar. Auf Wiederhören.',
    unknownExtension: 'Diese Durchwahl gibt es leider nicht. Bitte bleiben Sie dran.',
    voicemail: 'Im Moment ist niemand erreichbar. Bitte hinterlassen Sie nach dem Signalton eine Nachricht.',
    voicemailThanks: 'Vielen Dank für Ihre Nachricht. Auf Wiederhören.',
    noMessage: 'Wir haben keine Nachricht erhalten. Auf Wiederhören.',
    apology: 'Entschuldigung, wir haben technische Schwierigkeiten. Bitte hinterlassen Sie nach dem Signalton eine Nachricht.',
    position: 'Sie sind an Position {position} der Warteschlange. Bitte bleiben Sie dran.',
    unknownCaller: 'Dieses Telefon ist keinem Mitglied zugeordnet. Auf Wiederhören.',
    notSupported: 'Diese Nummer kann von hier aus leider nicht angerufen werden. Auf Wiederhören.',
    nothingToPickUp: 'Es gibt keinen Anruf zum Heranholen. Auf Wiederhören.',
    lineClosed: 'Die Leitung ist jetzt geschlossen. Auf Wiederhören.',
    lineOpen: 'Die Leitung ist jetzt geöffnet. Auf Wiederhören.',
    notAllowedToToggle: 'Sie können die Leitung von diesem Telefon aus leider nicht öffnen oder schließen. Auf Wiederhören.',
    toggleFailed: 'Die Leitung konnte leider nicht umgeschaltet werden. Bitte versuchen Sie es später noch einmal. Auf Wiederhören.',
    estimatedWait: 'Ihre voraussichtliche Wartezeit beträgt etwa {minutes} Minuten.',
    estimatedWaitOne: 'Ihre voraussichtliche Wartezeit beträgt etwa eine Minute.',
    menuCallback: 'Wenn wir Sie zurückrufen sollen, ohne dass Sie Ihren Platz verlieren, drücken Sie die 1.',
    menuVoicemail: 'Wenn Sie lieber eine Nachricht hinterlassen möchten, drücken Sie die 2.',
    menuUnknownKey: 'Diese Taste ist hier leider nicht belegt.',
    callbackOffer: 'Wir rufen Sie unter {number} zurück. Zur Bestätigung drücken Sie die 1. Für eine andere Nummer drücken Sie die 2.',
    callbackEnterNumber: 'Bitte geben Sie die Rückrufnummer mit Ländervorwahl ein und drücken Sie dann die Rautetaste.',
    callbackBadNumber: 'Diese Nummer können wir leider nicht anrufen. Bitte bleiben Sie dran.',
    callbackBooked: 'Vielen Dank. Wir rufen Sie zurück, sobald Sie an der Reihe sind. Auf Wiederhören.',
    callbackAlreadyBooked: 'Für diese Nummer ist bereits ein Rückruf geplant. Bitte bleiben Sie dran.',
    callbackWhisper: 'Rückruf für {caller}, Wartezeit {minutes} Minuten. Sie werden verbunden.',
    callbackWhisperOne: 'Rückruf für {caller}, Wartezeit etwa eine Minute. Sie werden verbunden.',
    callbackNotReached: 'Der Anrufer hat nicht abgenommen. Auf Wiederhören.',
  },
  fr: {
    unknownNumber: "Désolé, ce numéro n'est pas attribué. Au revoir.",
    noGroup: 'Désolé, personne ne prend les appels sur ce numéro pour le moment. Au revoir.',
    unknownExtension: "Désolé, ce poste n'existe pas. Veuillez patienter.",
    voicemail: "Personne n'est disponible pour prendre votre appel. Veuillez laisser un message après le bip.",
    voicemailThanks: 'Merci pour votre message. Au revoir.',
    noMessage: "Nous n'avons pas reçu de message. Au revoir.",
    apology: 'Désolé, nous rencontrons des difficultés techniques. Veuillez laisser un message après le bip.',
    position: "Vous êtes en position {position} dans la file d'attente. Veuillez patienter.",
    unknownCaller: "Ce téléphone n'est associé à aucun membre. Au revoir.",
    notSupported: "Désolé, ce numéro ne peut pas être appelé d'ici. Au revoir.",
    nothingToPickUp: "Il n'y a aucun appel à intercepter. Au revoir.",
    lineClosed: 'La ligne est maintenant fermée. Au revoir.',
    lineOpen: 'La ligne est maintenant ouverte. Au revoir.',
    notAllowedToToggle: 'Désolé, vous ne pouvez pas ouvrir ou fermer la ligne depuis ce téléphone. Au revoir.',
    toggleFailed: "Désolé, la ligne n'a pas pu être basculée. Veuillez réessayer plus tard. Au revoir.",
    estimatedWait: "Votre temps d'attente estimé est d'environ {minutes} minutes.",
    estimatedWaitOne: "Votre temps d'attente estimé est d'environ une minute.",
    menuCallback: 'Pour être rappelé sans perdre votre place dans la file, appuyez sur 1.',
    menuVoicemail: "Pour laisser un message au lieu d'attendre, appuyez sur 2.",
    menuUnknownKey: "Désolé, cette touche n'a pas de fonction ici.",
    callbackOffer: 'Nous vous rappellerons au {number}. Pour confirmer, appuyez sur 1. Pour donner un autre numéro, appuyez sur 2.',
    callbackEnterNumber: 'Veuillez saisir le numéro à rappeler avec son indicatif pays, puis appuyez sur dièse.',
    callbackBadNumber: 'Désolé, nous ne pouvons pas appeler ce numéro. Veuillez patienter.',
    callbackBooked: 'Merci. Nous vous rappellerons quand ce sera votre tour. Au revoir.',
    callbackAlreadyBooked: 'Un rappel vers ce numéro est déjà prévu. Veuillez patienter.',
    callbackWhisper: 'Rappel pour {caller}, qui a attendu {minutes} minutes. Mise en relation.',
    callbackWhisperOne: 'Rappel pour {caller}, qui a attendu environ une minute. Mise en relation.',
    callbackNotReached: "L'appelant n'a pas répondu. Au revoir.",
  },
  es: {
    unknownNumber: 'Lo sentimos, este número no está en servicio. Adiós.',
    noGroup: 'Lo sentimos, en este momento nadie atiende llamadas en este número. Adiós.',
    unknownExtension: 'Lo sentimos, esa extensión no existe. Por favor, espere.',
    voicemail: 'No hay nadie disponible para atender su llamada. Por favor, deje un mensaje después de la señal.',
    voicemailThanks: 'Gracias por su mensaje. Adiós.',
    noMessage: 'No hemos recibido ningún mensaje. Adiós.',
    apology: 'Lo sentimos, tenemos dificultades técnicas. Por favor, deje un mensaje después de la señal.',
    position: 'Usted ocupa el puesto {position} en la cola. Por favor, espere.',
    unknownCaller: 'Este teléfono no está registrado a ningún miembro. Adiós.',
    notSupported: 'Lo sentimos, ese número no se puede llamar desde aquí. Adiós.',
    nothingToPickUp: 'No hay ninguna llamada que contestar. Adiós.',
    lineClosed: 'La línea está cerrada ahora. Adiós.',
    lineOpen: 'La línea está abierta ahora. Adiós.',
    notAllowedToToggle: 'Lo sentimos, no puede abrir ni cerrar la línea desde este teléfono. Adiós.',
    toggleFailed: 'Lo sentimos, no se pudo cambiar el estado de la línea. Inténtelo de nuevo más tarde. Adiós.',
    estimatedWait: 'Su tiempo de espera estimado es de unos {minutes} minutos.',
    estimatedWaitOne: 'Su tiempo de espera estimado es de un minuto aproximadamente.',
    menuCallback: 'Para que le devolvamos la llamada sin perder su lugar en la cola, pulse 1.',
    menuVoicemail: 'Para dejar un mensaje en lugar de esperar, pulse 2.',
    menuUnknownKey: 'Lo sentimos, esa tecla no tiene ninguna función aquí.',
    callbackOffer: 'Le devolveremos la llamada al {number}. Para confirmar, pulse 1. Para indicar otro número, pulse 2.',
    callbackEnterNumber: 'Introduzca el número al que llamar, con su prefijo de país, y pulse la tecla almohadilla.',
    callbackBadNumber: 'Lo sentimos, no podemos llamar a ese número. Por favor, espere.',
    callbackBooked: 'Gracias. Le devolveremos la llamada cuando sea su turno. Adiós.',
    callbackAlreadyBooked: 'Ya hay una devolución de llamada prevista para este número. Por favor, espere.',
    callbackWhisper: 'Devolución de llamada para {caller}, que esperó {minutes} minutos. Conectando.',
    callbackWhisperOne: 'Devolución de llamada para {caller}, que esperó un minuto aproximadamente. Conectando.',
    callbackNotReached: 'La persona no contestó. Adiós.',
  },
};

/** The voice built-in English prompts are spoken with when the settings' language has no built-in prompts. */
const ENGLISH_VOICE = 'en-US';

/** The languages with built-in prompts, by primary subtag. */
export const builtInLanguages: readonly string[] = Object.keys(builtInPrompts);

export type Prompt = { readonly text: string; readonly language: string };

/**
 * A prompt's text and the language it is spoken in: the settings' own text in the settings'
 * language; else the built-in text for that language; else the English text with an English voice
 * (English words read by, say, a Polish voice would be hard to understand).
 */
export function prompt(
  settings: Pick<Settings, 'prompts' | 'language'>,
  name: PromptName,
  values: Record<string, string | number> = {},
): Prompt {
  const own = settings.prompts[name];
  const builtIn = builtInPrompts[settings.language.split('-')[0]?.toLowerCase() ?? ''];
  const [template, language] =
    own !== undefined
      ? [own, settings.language]
      : builtIn !== undefined
        ? [builtIn[name], settings.language]
        : [defaultPrompts[name], ENGLISH_VOICE];
  const text = template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
  return { text, language };
}

/** A phone number as a voice should read it: digit by digit (`+4930…` as "plus 4 9 3 0 …"). */
export function spokenNumber(number: string): string {
  return number.replace(/^\+/, 'plus ').replace(/([0-9])(?=[0-9])/g, '$1 ');
}
