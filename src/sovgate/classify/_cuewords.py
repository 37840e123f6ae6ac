"""Context keywords, by kind, for the keyword pass (syntax: see _keywords)."""

from __future__ import annotations

# Personal ID / tax number keywords, with the country they point to ("" = any).
ID_CUES: dict[str, tuple[str, ...]] = {
    "DE": ("steuer-id", "steuerid", "steuer id", "steuer-idnr", "steueridentifikationsnummer",
           "identifikationsnummer", "idnr", "steuernummer", "steuer-nr", "personalausweis*", "ausweisnummer"),
    "AT": ("sozialversicherungsnummer", "sv-nummer", "svnr", "vsnr", "versicherungsnummer"),
    "CH": ("ahv*", "avs", "ahv-nr", "ahv-nummer", "sozialversicherungs-nr"),
    "PL": ("pesel", "nip", "numer dowodu", "regon"),
    "NL": ("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer", "sofi nummer"),
    "BE": ("rijksregisternummer", "numéro national", "numéro de registre national"),
    "FR": ("sécurité sociale", "securite sociale", "sécu", "nir", "insee", "carte vitale", "numéro fiscal",
           "spi", "identifiant fiscal"),
    "IT": ("codice fiscale", "cf", "c.f", "tessera sanitaria"),
    "ES": ("dni", "nie", "nif", "nuss", "seguridad social", "documento nacional", "número de identidad"),
    "GB": ("national insurance", "ni number", "ni no", "nino", "nhs", "nhs number"),
    "US": ("social security", "ssn", "itin"),
    "SE": ("personnummer",), "DK": ("cpr", "cpr-nummer"), "FI": ("hetu", "henkilötunnus"),
    "BG": ("egn",), "HR": ("oib",), "CZ": ("rodné číslo", "rodne cislo"), "SK": ("rodné číslo",),
    "RO": ("cnp",), "SI": ("emšo", "emso"), "GR": ("amka",), "EE": ("isikukood",), "LT": ("asmens kodas",),
    "IE": ("pps", "ppsn"), "BR": ("cpf",), "IN": ("aadhaar", "aadhar"), "JP": ("my number", "mynumber", "マイナンバー"),
    "KR": ("resident registration", "rrn"), "AE": ("emirates id",), "SA": ("iqama",), "CN": ("身份证", "resident id"),
    "NO": ("fødselsnummer", "personnummer"),
    "": ("tax id", "tax number", "tax identification", "tax code", "tin", "national id", "identity card",
         "identity number", "id number", "id no", "id-nummer", "personal id", "personal number", "personal code",
         "passport", "reisepass", "passeport", "pasaporte", "passaporto", "paspoort", "paszport",
         "numéro d'identification", "número de identificación", "numero identificativo", "identiteitskaart",
         "dowód osobisty"),
}
NOT_ID_CUES = (
    "order", "invoice", "ticket", "case", "reference", "ref", "tracking", "isbn", "issn", "version", "serial",
    "part", "sku", "article", "item", "bestell*", "rechnung*", "vorgang*", "auftrag*", "kundennummer", "artikel*",
    "aktenzeichen", "sendung*", "commande", "facture", "dossier", "référence", "colis", "pedido", "factura",
    "expediente", "referencia", "pratica", "fattura", "ordine", "protocollo", "bestelnummer", "factuur",
    "dossiernummer", "zaaknummer", "zamówieni*", "faktur*", "sprawy", "zlecenia", "przesyłki",
)
PHONE_CUES = (
    "phone", "call*", "tel", "tel.", "telefon*", "mobile", "mobil", "cell", "fax", "whatsapp", "sms", "ruf*",
    "handy", "téléphone", "telephone", "portable", "rappeler", "appel*", "teléfono", "telefono", "llam*",
    "móvil", "movil", "cellulare", "chiam*", "richiam*", "bel", "bellen", "terugbel*", "teruggebeld", "gebeld",
    "opbellen", "rappel*", "joindre", "llamen", "llamar", "mobiel", "telefoon",
    "zadzwo*", "komórk*", "registered", "contact", "kontakt", "contatto", "contacto",
)
CARD_CUES = ("card", "*karte", "carte", "tarjeta", "carta", "kaart", "karta", "credit", "visa", "mastercard",
             "amex", "creditcard")
DOB_CUES = (
    "date of birth", "dob", "d.o.b", "birth date", "birthdate", "birthday", "born", "born on",
    "geburtsdatum", "geburtstag", "geb.", "geboren", "date de naissance", "né le", "née le", "ne le", "naissance",
    "fecha de nacimiento", "nacido el", "nacida el", "f. nac", "data di nascita", "nato il", "nata il", "nascita",
    "geboortedatum", "geboren op", "data urodzenia", "urodzony", "urodzona", "ur.",
)
ADDRESS_LABELS = (
    "address", "home address", "postal address", "mailing address", "billing address", "shipping address",
    "street address", "delivery address", "anschrift", "adresse", "wohnort", "wohnhaft in", "domicilio",
    "dirección", "direccion", "indirizzo", "residenza", "residente in", "adres", "woonadres",
    "adres zamieszkania", "miejsce zamieszkania", "located at", "lives at", "live at", "send it to",
    "new one to", "ship to", "deliver to",
)
# Street vocabulary that makes running the address grammar worthwhile.
STREET_TRIGGERS = (
    "*straße", "*strasse", "*str.", "*weg", "*gasse", "*allee", "*platz", "*ring", "*damm", "*ufer", "*steig",
    "*pfad", "*markt", "*graben", "*straat", "*laan", "*plein", "*gracht", "*kade", "*dijk", "*steeg", "*pad",
    "*singel", "*dreef", "*vej", "*gata", "*gatan", "*katu", "*tie", "*utca", "u.", "rue", "avenue", "av.",
    "boulevard", "bd", "place", "chemin", "allée", "impasse", "quai", "route", "cours", "square", "passage",
    "calle", "c/", "avenida", "avda", "paseo", "plaza", "camino", "carretera", "ronda", "pasaje", "travesía",
    "glorieta", "rambla", "via", "viale", "piazza", "piazzale", "corso", "largo", "vicolo", "strada", "contrada",
    "borgo", "ul.", "ulica", "al.", "aleja", "pl.", "plac", "os.", "osiedle", "rua", "street", "st", "st.", "avenue",
    "ave", "road", "rd", "lane", "ln", "drive", "dr", "blvd", "court", "ct", "way", "terrace", "crescent", "close",
    "parkway", "highway", "hwy", "circle", "trail", "box", "psc", "postfach", "apartado", "suite", "apt", "unit",
)
# Labels after which capitalised words are a name even when no list knows them (":" or "=" must follow).
NAME_LABELS = (
    "name", "full name", "first name", "last name", "surname", "cardholder", "card holder", "account holder",
    "policy holder", "patient", "employee", "customer", "applicant", "signed", "attn", "contact person",
    "vorname", "nachname", "familienname", "karteninhaber", "karteninhaberin", "kontoinhaber", "kontoinhaberin",
    "patientin", "mitarbeiter", "mitarbeiterin", "antragsteller", "antragstellerin", "versicherter",
    "versicherte", "nom", "prénom", "nom complet", "titulaire", "patiente", "salarié", "salariée", "employé",
    "employée", "nombre", "nombre completo", "apellido", "apellidos", "titular", "paciente", "empleado",
    "empleada", "nome", "nome e cognome", "cognome", "titolare", "intestatario", "intestataria", "paziente",
    "dipendente", "naam", "voornaam", "achternaam", "rekeninghouder", "kaarthouder", "patiënt", "werknemer",
    "imię i nazwisko", "imię", "nazwisko", "posiadacz karty", "posiadaczka karty", "posiadacz rachunku",
    "właściciel", "właścicielka", "pacjent", "pacjentka", "pracownik",
)
# Phrases directly followed by a name.
NAME_PHRASES = (
    "my name is", "his name is", "her name is", "their name is", "your name is", "i am", "i'm", "i’m",
    "regards,", "sincerely,", "mein name ist", "sein name ist", "ihr name ist", "ich heiße", "ich bin",
    "grüße,", "gruß,", "je m'appelle", "je m’appelle", "je suis", "mon nom est", "cordialement,", "me llamo",
    "mi nombre es", "saludos,", "atentamente,", "mi chiamo", "il mio nome è", "cordiali saluti,", "ik heet",
    "mijn naam is", "met vriendelijke groet,", "nazywam się", "mam na imię", "z poważaniem,", "pozdrawiam,",
)
VERSION_CUES = (
    "version", "release", "ver.", "build", "wersj*", "versione", "versión", "versie", "upgrad*", "updat*",
    "mise à jour", "aggiornament*", "actualizaci*", "aktualizacj*",
)
IP_CUES = ("ip", "server", "serveur", "servidor", "host", "box", "adresse ip", "ip-adresse", "indirizzo ip",
           "dirección ip", "ip-adres", "adres ip", "gateway", "dns", "proxy", "router")
MARKING_TRIGGERS = (
    "vs", "vs-nfd", "nfd", "geheim", "geh.", "vertraulich", "vertr.", "dienstgebrauch", "secret", "secret//*",
    "*secret//*", "confidentiel", "confidential", "confidential//*", "restreint", "restreinte", "restricted",
    "official", "official-sensitive", "nato", "cosmic", "atomal", "cui", "cui//*", "noforn", "fouo",
    "controlled", "diffusion", "spécial", "special", "secreto", "reservado", "confidencial", "riservato",
    "riservatissimo", "segreto", "segretissimo", "stg", "stg.", "departementaal", "tajne", "poufne",
    "zastrzeżone", "difusión", "difusion", "très", "tres", "eyes", "law enforcement", "top secret",
)
SECRET_TRIGGERS = (
    "*-----begin*", "*putty-user-key*", "*akia*", "*asia*", "*abia*", "*acca*", "*aws*", "*aiza*",
    "*private_key*", "*ya29.*", "*accountkey*", "*sig=*", "*q~*", "*sk-*", "*ghp_*", "*gho_*", "*ghu_*",
    "*ghs_*", "*ghr_*", "*github_pat_*", "*glpat-*", "*xox*", "*hooks.slack*", "*_live_*", "*_test_*", "*hf_*",
    "*eyj*", "*://*", "*authorization*",
)
ASSIGN_TRIGGERS = (
    "*password*", "*passwd*", "pwd", "pass", "*passwort*", "*kennwort*", "mot de passe", "mdp", "contraseña",
    "contrasena", "clave", "*wachtwoord*", "hasło", "haslo", "parola d'ordine", "*secret*", "*api_key*",
    "*apikey*", "*api-key*", "*access_token*", "*accesstoken*", "*auth_token*", "*private_key*", "*secret_key*",
    "*token*", "*credential*", "*bearer*", "*signature*", "*passphrase*", "*schlüssel*", "clé", "chiave",
    "sleutel", "klucz", "*key*",
)
