"""Multilingual term lists for the special categories (GDPR Art. 9 / 10) and financial data.

Terms are lower case. A trailing "*" marks a stem (any word continuation matches);
otherwise the term must end at a word boundary. Written from general medical, legal
and administrative vocabulary in en, de, fr, es, it, nl, pl.
"""

from __future__ import annotations

LEXICON: dict[str, tuple[str, ...]] = {
    "HEALTH": (
        "asthm*", "asthme", "asma", "astma", "astmę", "épilept*", "epilessia", "epilettic*",
        "epileptic*", "epilepsja", "padaczk*", "schizophrèn*", "esquizofrenia", "schizofreni*",
        "broken leg", "gebrochenes bein", "jambe cassée", "pierna rota", "gamba rotta", "gebroken been",
        "złaman*", "crise cardiaque", "ataque al corazón", "attacco di cuore", "seropositiv*",
        "sieropositiv*", "krankenhaus eingeliefert", "ins krankenhaus", "hôpital", "hospital",
        "ospedale", "ziekenhuis", "szpital*", "raka", "zwolnieniu lekarskim", "*kanker", "*krebs",
        "diabetic", "diabétique", "diabético", "diabetico", "diabetisch",
        # en
        "diagnos*", "diabet*", "cancer", "tumour*", "tumor*", "leukemia", "leukaemia", "lymphoma", "hiv",
        "aids", "hepatitis", "depression", "depressive", "anxiety disorder", "schizophreni*",
        "bipolar disorder",
        "dementia", "alzheimer*", "parkinson*", "multiple sclerosis", "epilep*", "asthma", "copd",
        "hypertension", "high blood pressure", "blood pressure", "heart attack", "myocardial infarction",
        "stroke", "pregnan*", "miscarriage", "abortion", "chemotherapy", "radiotherapy", "dialysis",
        "insulin*",
        "metformin*", "ibuprofen*", "paracetamol*", "antidepressant*", "sertralin*", "fluoxetin*", "lithium*",
        "methotrexat*", "warfarin*", "statin*", "atorvastatin*", "creatinine", "cholesterol", "hba1c",
        "blood test", "lab results", "medical record*", "medical history", "prescription", "prescribed",
        "medication", "patient", "sick leave", "sick note", "disabilit*", "psychiatri*", "psychotherap*",
        "surgery", "hospitali*", "admitted to hospital", "icd-10", "icd-11", "autism", "adhd", "covid",
        "tuberculosis", "obesity", "anorexia", "bulimia", "addiction", "alcoholism", "rehab", "mri scan",
        "biopsy", "allerg*", "infertility", "ivf", "std", "hiv-positive", "mental health", "burnout",
        # de
        "diagnose", "diagnostiziert", "krebs", "krebserkrank*", "depressionen", "schwanger*", "blutdruck",
        "bluthochdruck", "herzinfarkt", "schlaganfall", "kreatinin", "laborbefund", "befund", "patientin",
        "krankheit", "erkrank*", "chemotherapie", "krankschreibung", "krankgeschrieben", "arbeitsunfähig*",
        "behinderung", "schwerbehindert*", "psychisch*", "psychotherapie", "medikament*", "rezept",
        "krankenhausaufenthalt", "krankenakte", "zuckerkrank*", "demenz", "epilepsie", "asthma bronchiale",
        "fehlgeburt", "schwangerschaftsabbruch", "sucht*", "entzug", "blutwerte", "blutbild",
        # fr
        "diagnostic*", "diabète", "diabétique", "dépression", "enceinte", "grossesse", "créatinine",
        "tension artérielle", "hypertension artérielle", "infarctus", "avc", "maladie", "ordonnance",
        "arrêt maladie", "arrêt de travail", "handicap*", "chimiothérapie", "dossier médical",
        "traitement médical", "séropositi*", "fausse couche", "avortement", "hospitalisé*", "prise de sang",
        "résultats d'analyse", "analyses de sang",
        # es
        "diagnóstico", "diagnosticad*", "cáncer", "depresión", "embarazada", "embarazo", "creatinina",
        "presión arterial", "hipertensión", "infarto", "enfermedad", "receta médica", "baja médica",
        "discapacidad", "quimioterapia", "historial médico", "historia clínica", "aborto", "ingresad*",
        "analítica", "análisis de sangre", "paciente",
        # it
        "diagnosi", "diagnosticat*", "diabete", "cancro", "tumore", "depressione", "incinta", "gravidanza",
        "pressione arteriosa", "ipertensione", "ictus", "malattia", "ricetta medica", "certificato medico",
        "disabilità", "chemioterapia", "cartella clinica", "esami del sangue", "ricoverat*", "aborto",
        "paziente", "invalidità",
        # nl
        "gediagnosticeerd", "kanker", "depressie", "zwanger*", "bloeddruk", "hartaanval", "beroerte",
        "ziekte", "ziekmelding", "ziek gemeld", "chemotherapie", "medisch dossier", "labuitslag*",
        "bloeduitslag*", "patiënt", "opgenomen in het ziekenhuis", "miskraam", "suikerziekte",
        # pl
        "diagnoz*", "zdiagnozowan*", "cukrzyc*", "nowotw*", "depresj*", "w ciąży", "ciąż*", "kreatynin*",
        "ciśnienie krwi", "nadciśnieni*", "zawał*", "udar*", "chorob*", "choruje", "zwolnienie lekarskie",
        "niepełnospraw*", "chemioterapi*", "dokumentacja medyczna", "wyniki badań", "pacjent*", "poronieni*",
        "leczeni*", "recept*",
    ),
    "GENETIC": (
        "dna test*", "dna sample", "genetic test*", "genetic predisposition", "genome sequencing", "genotyp*",
        "brca1", "brca2", "brca mutation", "carrier status", "hla typ*", "exome", "whole genome",
        "gentest*", "genetische*", "erbkrankheit", "genanalyse", "test génétique", "analyse génétique",
        "prédisposition génétique", "prueba genética", "test genético", "análisis genético", "test genetico",
        "analisi genetica", "genetisch onderzoek", "dna-test", "badanie genetyczne", "test dna",
        "huntington", "cystic fibrosis", "mukoviszidose", "mucoviscidose", "fibrosis quística",
    ),
    "BIOMETRIC": (
        "fingerprint*", "facial recognition", "face template", "face embedding*", "iris scan*", "iris code",
        "retina scan*", "voiceprint*", "voice print", "biometric*", "fingerabdr*", "gesichtserkennung",
        "biometrisch*", "empreinte digitale", "empreintes digitales", "reconnaissance faciale",
        "biométrique*", "huella dactilar", "huellas dactilares", "reconocimiento facial", "biométric*",
        "impronta digitale", "impronte digitali", "riconoscimento facciale", "biometric*", "vingerafdruk*",
        "gezichtsherkenning", "biometrisch*", "odcisk palca", "odciski palców", "rozpoznawanie twarzy",
        "biometryczn*",
    ),
    "RACIAL_ETHNIC": (
        "sinto", "sinti", "gitano", "gitana", "etnia", "ethnic", "ethnisch*", "ethnique", "étnico",
        "étnica", "etnico", "etnica", "etnisch*", "romani", "roma origin", "roma-herkunft", "rom und sinti",
        "ethnic origin", "ethnicity", "racial origin", "ethnische herkunft", "ethnischen herkunft",
        "origine ethnique", "origen étnico", "origine etnica", "etnische afkomst", "pochodzenie etniczne",
    ),
    "POLITICAL": (
        "afd", "spd", "cdu", "csu", "fdp", "die grünen", "die linke", "rassemblement national",
        "france insoumise", "renaissance party", "vox", "podemos", "psoe", "partido popular",
        "fratelli d'italia", "lega nord", "movimento 5 stelle", "partito democratico", "pvv", "vvd",
        "d66", "groenlinks", "pis", "prawo i sprawiedliwość", "platforma obywatelska", "konfederacj*",
        "labour party", "conservative party", "republican party", "democratic party", "greens", "the greens",
        "political opinion*", "party member*", "member of the party", "votes for", "voted for",
        "parteimitglied*", "mitglied der partei", "wählt die", "membre du parti", "militant du parti",
        "afiliad* al partido", "militante del partido", "iscritt* al partito", "tesserat* del partito",
        "lid van de partij", "partijlid", "członek partii", "członkini partii", "political affiliation",
    ),
    "RELIGIOUS": (
        "muslim", "jewish", "catholic", "protestant", "hindu", "buddhist", "atheist", "religious belief*",
        "religion", "muslimisch*", "jüdisch*", "katholisch*", "evangelisch*", "konfession",
        "religionszugehörigkeit",
        "musulman*", "juif", "juive", "catholique", "protestante", "religión", "musulmán", "musulmana",
        "judío", "judía", "católic*", "musulmano", "musulmana", "ebreo", "ebrea", "cattolic*", "moslim",
        "joods", "joodse", "katholiek*", "muzułman*", "żydówk*", "żyd", "katolik*", "katoliczk*",
    ),
    "TRADE_UNION": (
        "ccoo", "fnv", "cnv", "solidarności", "solidarnosc", "cgil", "cisl", "cgt", "cfdt", "dgb",
        "verdi", "gewerkschaftsmitglied*", "sindacalist*", "syndicaliste*", "sindicalista*",
        "trade union", "union member*", "labour union", "labor union", "gewerkschaft*", "ver.di", "ig metall",
        "syndicat*", "syndiqué*", "sindicato", "sindicad*", "sindacato", "sindacalizzat*",
        "iscritto alla cgil",
        "vakbond*", "związek zawodow*", "związku zawodowego", "solidarność",
    ),
    "SEX_LIFE": (
        "gej*", "gay", "lgbt*", "queer",
        "sexual orientation", "homosexual*", "bisexual*", "lesbian", "gay", "transgender", "sex life",
        "sexuelle orientierung", "homosexuell*", "schwul*", "lesbisch*", "orientation sexuelle",
        "homosexuel*", "orientación sexual", "orientamento sessuale", "omosessual*", "seksuele geaardheid",
        "homoseksu*", "orientacja seksualna", "lesbijk*",
    ),
    "CRIMINAL": (
        "criminal record", "convicted", "conviction", "sentenced", "arrested", "imprisoned", "parole",
        "vorstrafe*", "vorbestraft", "verurteilt", "führungszeugnis", "haftstrafe", "festgenommen",
        "casier judiciaire", "condamné*", "incarcéré*", "antecedentes penales", "condenad*", "detenid*",
        "precedenti penali", "condannat*", "arrestat*", "strafblad", "veroordeeld", "gearresteerd",
        "karany", "karana", "skazan*", "wyrok*", "aresztowan*",
    ),
    "FINANCIAL": (
        "salary", "income", "credit score", "debt*", "loan", "mortgage", "account balance", "bank account",
        "bankruptcy", "gehalt", "einkommen", "schulden", "kredit", "kontostand", "schufa", "insolvenz",
        "privatinsolvenz", "bankverbindung", "salaire", "revenu*", "dette*", "prêt", "solde",
        "compte bancaire",
        "salario", "ingresos", "deuda*", "préstamo", "hipoteca", "cuenta bancaria", "stipendio", "reddito",
        "debit*", "mutuo", "conto corrente", "salaris", "inkomen", "schuld", "lening", "hypotheek",
        "bankrekening", "wynagrodzeni*", "dochód", "dług*", "kredyt*", "konto bankowe", "credit card",
        "kreditkarte", "carte bancaire", "tarjeta", "carta di credito", "creditcard", "karta kredytow*",
    ),
}  # fmt: skip
