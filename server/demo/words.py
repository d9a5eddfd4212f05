"""Word lists for the demo ERP generator (German shop: outdoor, clothing, household).

Everything here is invented for the demo: brands, model names and texts. Placeholders in
sentences and bullets: ``{brand}``, ``{model}``, ``{noun}``, ``{material}``, ``{feature}``.
Materials are written in the dative ("aus ...").
"""

from __future__ import annotations

# --- brands per kind group ------------------------------------------------------------

OUTDOOR_BRANDS = (
    "Alpenkern", "Gipfelwerk", "Nordfjell", "Trailmark", "Isarwerk", "Sturmvogel",
    "Hochmoor", "Wolkenfrei", "Talwärts", "Grathüter", "Firnlicht", "Steinbock Gear",
    "Latschenkiefer", "Brunnthal Outdoor",
)
HOME_BRANDS = (
    "Heimkante", "Küchenglück", "Lindenhof", "Seeblick Home", "Hüttenzauber",
    "Stubenwerk", "Kieselgrau", "Mühlbach & Söhne",
)
BOOK_BRANDS = ("Wegweiser Verlag", "Hüttenbuch Verlag", "Edition Bergpfad", "Löffel & Lese")
FOOD_BRANDS = ("Bergkost", "Rastplatz", "Hofröstung Albers", "Kräutergarten Thal")

# --- model names ------------------------------------------------------------------------

MOUNTAIN_MODELS = (
    "Alpin", "Nordkap", "Tauern", "Karwendel", "Hochgrat", "Feldberg", "Wendelstein",
    "Watzmann", "Brocken", "Fjell", "Lofoten", "Dachstein", "Ortler", "Säntis", "Pilatus",
    "Rigi", "Herzogstand", "Kampenwand", "Jochberg", "Arber", "Wasserkuppe", "Belchen",
    "Schauinsland", "Edelweiß", "Enzian", "Gämse", "Bergwind", "Talblick", "Sonnjoch",
    "Kreuzeck", "Hörnle", "Grünten", "Nebelhorn", "Rappenalp", "Hochkönig", "Tegelberg",
)
HOME_MODELS = (
    "Bella", "Lina", "Classic", "Gourmet", "Moderna", "Toscana", "Nordic", "Hygge",
    "Landhaus", "Provence", "Kopenhagen", "Uppsala", "Malmö", "Bergen", "Amalfi", "Siena",
    "Verona", "Lavendel", "Salbei", "Fjord", "Kiesel", "Morgentau", "Abendrot", "Mühle",
)
GUIDE_MODELS = (
    "Allgäu", "Schwarzwald", "Harz", "Sächsische Schweiz", "Eifel", "Berchtesgadener Land",
    "Bayerischer Wald", "Pfälzerwald", "Rhön", "Tirol", "Südtirol", "Zugspitzland",
    "Chiemgau", "Fichtelgebirge", "Thüringer Wald", "Schwäbische Alb", "Rügen", "Salzkammergut",
)
COOKBOOK_MODELS = (
    "Hüttenküche", "Outdoor-Küche", "Brotbacken", "Einmachen & Fermentieren",
    "Vegetarisch grillen", "Omas Sonntagsküche", "Suppen & Eintöpfe", "Kuchen vom Blech",
    "Wildkräuterküche", "Alpenländische Küche",
)
MEAL_MODELS = (
    "Chili con Carne", "Pasta Bolognese", "Linseneintopf", "Kaiserschmarrn", "Gulasch",
    "Käsespätzle", "Couscous mit Gemüse", "Milchreis mit Apfel", "Kartoffelsuppe",
)
BAR_MODELS = (
    "Nuss & Honig", "Haferflocken-Apfel", "Dattel-Kakao", "Erdnuss-Salz", "Beerenmix",
    "Aprikose-Mandel",
)
COFFEE_MODELS = (
    "Espresso Crema", "Hochland Arabica", "Röstmeister", "Entkoffeiniert Mild",
    "Café Crème", "Bergröstung",
)
TEA_MODELS = (
    "Bergkräuter", "Früchtetraum", "Kamille & Minze", "Ostfriesenmischung", "Winterzauber",
    "Fenchel-Anis",
)

OUTDOOR_SUFFIXES = (
    "", "", "", "", " Pro", " Light", " Plus", " II", " Classic", " Active", " Comfort",
    " Evo", " Tour", " Hybrid", " Ultra",
)
HOME_SUFFIXES = ("", "", "", "", " Classic", " Plus", " Deluxe", " Premium", " Basic", " XL")

# --- sizes ----------------------------------------------------------------------------

SIZES: dict[str, tuple[str, ...]] = {
    "alpha": ("XS", "S", "M", "L", "XL", "XXL", "3XL"),
    "kids": ("98/104", "110/116", "122/128", "134/140", "146/152", "158/164"),
    "shoes": ("36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47"),
    "socks": ("35-38", "39-42", "43-46"),
    "caps": ("S/M", "L/XL"),
    "gloves": ("S", "M", "L", "XL"),
    "jeans": ("W30/L32", "W31/L32", "W32/L32", "W33/L34", "W34/L32", "W34/L34", "W36/L34"),
    "daypack": ("18 l", "22 l", "26 l", "30 l"),
    "trekpack": ("45 l", "55 l", "65 l", "75 l"),
    "tent": ("1 Person", "2 Personen", "3 Personen", "4 Personen"),
    "sleeping": ("Länge 185 cm", "Länge 200 cm", "Länge 220 cm"),
    "bottle": ("0,5 l", "0,75 l", "1 l"),
    "pans": ("Ø 20 cm", "Ø 24 cm", "Ø 28 cm"),
    "bedding": ("135 x 200 cm", "155 x 220 cm", "200 x 200 cm"),
    "towels": ("30 x 50 cm", "50 x 100 cm", "70 x 140 cm"),
    "blanket": ("130 x 170 cm", "150 x 200 cm"),
    "meal": ("125 g", "160 g", "250 g"),
    "coffee": ("250 g", "500 g", "1 kg"),
    "tea": ("75 g", "100 g", "250 g"),
    "bars": ("12 x 40 g", "24 x 40 g"),
}

# --- categories -------------------------------------------------------------------------
# (path, kind, nouns, sizes key or None, models key, (weight kg min, max),
#  (purchase price EUR min, max)). A noun ending in "|H" or "|D" is for men or women only.

CATEGORIES: tuple[tuple, ...] = (
    ("Bekleidung > Jacken > Trekkingjacken", "apparel", ("Trekkingjacke", "Wanderjacke"),
     "alpha", "mountain", (0.4, 0.9), (35, 110)),
    ("Bekleidung > Jacken > Regenjacken", "apparel", ("Regenjacke", "Hardshelljacke"),
     "alpha", "mountain", (0.3, 0.7), (30, 140)),
    ("Bekleidung > Jacken > Daunenjacken", "apparel", ("Daunenjacke", "Steppjacke"),
     "alpha", "mountain", (0.3, 0.8), (45, 160)),
    ("Bekleidung > Jacken > Softshelljacken", "apparel", ("Softshelljacke",),
     "alpha", "mountain", (0.4, 0.7), (30, 80)),
    ("Bekleidung > Hosen > Wanderhosen", "apparel",
     ("Wanderhose", "Zip-Off-Hose", "Trekkinghose"), "alpha", "mountain", (0.3, 0.6), (22, 60)),
    ("Bekleidung > Hosen > Jeans", "apparel", ("Jeans", "Stretch-Jeans"),
     "jeans", "mountain", (0.5, 0.8), (18, 45)),
    ("Bekleidung > Hosen > Shorts", "apparel", ("Shorts", "Bermuda"),
     "alpha", "mountain", (0.15, 0.35), (12, 30)),
    ("Bekleidung > Oberteile > T-Shirts", "apparel", ("T-Shirt", "Funktionsshirt"),
     "alpha", "mountain", (0.12, 0.25), (6, 22)),
    ("Bekleidung > Oberteile > Hemden & Blusen", "apparel",
     ("Trekkinghemd|H", "Flanellhemd|H", "Bluse|D", "Leinenbluse|D"), "alpha", "mountain",
     (0.2, 0.35), (15, 35)),
    ("Bekleidung > Oberteile > Pullover & Strick", "apparel",
     ("Strickpullover", "Troyer", "Hoodie"), "alpha", "mountain", (0.35, 0.8), (18, 55)),
    ("Bekleidung > Oberteile > Fleecejacken", "apparel", ("Fleecejacke", "Fleeceweste"),
     "alpha", "mountain", (0.25, 0.5), (15, 45)),
    ("Bekleidung > Unterwäsche > Funktionsunterwäsche", "apparel",
     ("Funktionsunterhemd", "Merino-Langarmshirt", "Funktionsunterhose"), "alpha",
     "mountain", (0.1, 0.25), (10, 40)),
    ("Bekleidung > Socken", "apparel", ("Wandersocken", "Trekkingsocken", "Merinosocken"),
     "socks", "mountain", (0.05, 0.12), (3, 12)),
    ("Bekleidung > Kinder > Kinderjacken", "kids", ("Kinder-Regenjacke", "Matschjacke"),
     "kids", "mountain", (0.2, 0.5), (12, 35)),
    ("Bekleidung > Kinder > Kinderhosen", "kids", ("Matschhose", "Kinder-Wanderhose"),
     "kids", "mountain", (0.15, 0.4), (10, 28)),
    ("Bekleidung > Accessoires > Mützen & Caps", "apparel", ("Strickmütze", "Cap", "Stirnband"),
     "caps", "mountain", (0.04, 0.12), (4, 15)),
    ("Bekleidung > Accessoires > Handschuhe", "apparel", ("Handschuhe", "Fäustlinge"),
     "gloves", "mountain", (0.05, 0.2), (6, 30)),
    ("Schuhe > Wanderschuhe", "shoes", ("Wanderschuh", "Trekkingstiefel", "Bergstiefel"),
     "shoes", "mountain", (0.9, 1.6), (40, 120)),
    ("Schuhe > Trailrunning", "shoes", ("Trailrunningschuh", "Laufschuh"),
     "shoes", "mountain", (0.5, 0.8), (35, 80)),
    ("Schuhe > Sandalen", "shoes", ("Trekkingsandale", "Outdoorsandale"),
     "shoes", "mountain", (0.4, 0.7), (15, 40)),
    ("Schuhe > Hausschuhe", "shoes", ("Hausschuh", "Filzpantoffel"),
     "shoes", "home", (0.3, 0.5), (8, 25)),
    ("Outdoor > Rucksäcke > Tagesrucksäcke", "gear", ("Tagesrucksack", "Wanderrucksack"),
     "daypack", "mountain", (0.6, 1.2), (20, 60)),
    ("Outdoor > Rucksäcke > Trekkingrucksäcke", "gear", ("Trekkingrucksack",),
     "trekpack", "mountain", (1.4, 2.6), (55, 150)),
    ("Outdoor > Zelte", "gear", ("Kuppelzelt", "Tunnelzelt", "Trekkingzelt"),
     "tent", "mountain", (1.2, 2.6), (60, 260)),
    ("Outdoor > Schlafsäcke", "gear", ("Mumienschlafsack", "Deckenschlafsack"),
     "sleeping", "mountain", (0.8, 2.2), (30, 180)),
    ("Outdoor > Isomatten", "gear", ("Isomatte", "Thermomatte", "Luftmatratze"),
     None, "mountain", (0.4, 1.5), (15, 70)),
    ("Outdoor > Campingküche", "gear", ("Gaskocher", "Campingtopfset", "Campinggeschirr"),
     None, "mountain", (0.2, 1.2), (12, 70)),
    ("Outdoor > Trinkflaschen", "gear", ("Trinkflasche", "Thermosflasche"),
     "bottle", "mountain", (0.15, 0.5), (6, 22)),
    ("Outdoor > Lampen", "gear", ("Stirnlampe", "Campinglaterne"),
     None, "mountain", (0.08, 0.5), (8, 45)),
    ("Outdoor > Wanderstöcke", "gear", ("Wanderstöcke", "Trekkingstöcke"),
     None, "mountain", (0.4, 0.6), (15, 60)),
    ("Haushalt > Küche > Töpfe & Pfannen", "kitchen", ("Bratpfanne", "Kochtopf", "Schmorpfanne"),
     "pans", "home", (0.8, 2.5), (12, 70)),
    ("Haushalt > Küche > Messer", "kitchen", ("Kochmesser", "Brotmesser", "Santokumesser"),
     None, "home", (0.1, 0.3), (8, 60)),
    ("Haushalt > Küche > Küchenhelfer", "kitchen",
     ("Schneidebrett", "Küchenwaage", "Salatschleuder", "Reibe"), None, "home",
     (0.1, 1.2), (4, 25)),
    ("Haushalt > Küche > Aufbewahrung", "kitchen", ("Vorratsdose", "Frischhaltedosen-Set"),
     None, "home", (0.2, 1.0), (4, 20)),
    ("Haushalt > Heimtextilien > Bettwäsche", "textiles", ("Bettwäsche-Set", "Bettbezug"),
     "bedding", "home", (0.8, 1.6), (14, 45)),
    ("Haushalt > Heimtextilien > Handtücher", "textiles", ("Handtuch", "Duschtuch"),
     "towels", "home", (0.1, 0.7), (3, 15)),
    ("Haushalt > Heimtextilien > Decken", "textiles", ("Wolldecke", "Kuscheldecke"),
     "blanket", "home", (0.8, 1.8), (12, 50)),
    ("Haushalt > Reinigung", "kitchen", ("Mikrofasertuch-Set", "Spülbürste", "Handfeger-Set"),
     None, "home", (0.05, 0.4), (2, 10)),
    ("Haushalt > Wohnen > Kerzen & Deko", "kitchen", ("Duftkerze", "Windlicht", "Teelichthalter"),
     None, "home", (0.2, 0.9), (3, 18)),
    ("Haushalt > Bad > Badaccessoires", "textiles", ("Badematte", "Seifenspender"),
     None, "home", (0.2, 0.8), (5, 20)),
    ("Bücher > Wanderführer", "guide", ("Wanderführer",), None, "guide", (0.2, 0.4), (7, 12)),
    ("Bücher > Kochbücher", "cookbook", ("Kochbuch",), None, "cookbook", (0.5, 1.1), (10, 18)),
    ("Lebensmittel > Trekkingnahrung", "food", ("Trekkingmahlzeit", "Outdoor-Mahlzeit"),
     "meal", "meal", (0.13, 0.2), (3, 6)),
    ("Lebensmittel > Snacks & Riegel", "food", ("Energieriegel", "Müsliriegel"),
     "bars", "bar", (0.5, 1.0), (6, 14)),
    ("Lebensmittel > Kaffee & Tee > Kaffee", "food", ("Kaffeebohnen", "Filterkaffee gemahlen"),
     "coffee", "coffee", (0.25, 0.3), (4, 9)),
    ("Lebensmittel > Kaffee & Tee > Tee", "food", ("Kräutertee", "Teemischung", "Früchtetee"),
     "tea", "tea", (0.08, 0.12), (3, 7)),
)

MODELS: dict[str, tuple[str, ...]] = {
    "mountain": MOUNTAIN_MODELS, "home": HOME_MODELS, "guide": GUIDE_MODELS,
    "cookbook": COOKBOOK_MODELS, "meal": MEAL_MODELS, "bar": BAR_MODELS, "coffee": COFFEE_MODELS,
    "tea": TEA_MODELS,
}

# --- colours ----------------------------------------------------------------------------

APPAREL_COLOURS = (
    "Schwarz", "Weiß", "Grün", "Blau", "Rot", "Grau", "Anthrazit", "Marineblau", "Olivgrün",
    "Beige", "Sand", "Petrol", "Bordeaux", "Senfgelb", "Türkis", "Orange", "Khaki",
    "Dunkelgrau", "Hellblau", "Rosé",
)
SHOE_COLOURS = (
    "Schwarz", "Braun", "Grau/Orange", "Oliv", "Dunkelblau", "Anthrazit/Grün", "Beige",
    "Schwarz/Rot", "Taupe",
)
GEAR_COLOURS = ("Grün", "Rot", "Blau", "Orange", "Anthrazit", "Sand", "Schwarz", "Gelb")
KITCHEN_COLOURS = (
    "Edelstahl", "Schwarz", "Weiß", "Rot", "Salbeigrün", "Creme", "Anthrazit", "Natur",
)
TEXTILE_COLOURS = (
    "Weiß", "Creme", "Sand", "Taupe", "Salbei", "Petrol", "Rosé", "Anthrazit", "Hellgrau",
    "Dunkelblau",
)

# --- texts shared by all kinds --------------------------------------------------------

GENERAL_SENTENCES = (
    "Bei Bestellung bis 14 Uhr verlässt Ihre Sendung unser Lager in der Regel noch am "
    "selben Werktag.",
    "Sollte ein Artikel einmal nicht Ihren Erwartungen entsprechen, können Sie ihn innerhalb "
    "von 30 Tagen kostenlos zurücksenden.",
    "Unser Kundenservice in Deutschland berät Sie gerne telefonisch oder per E-Mail.",
    "Wir verpacken plastikfrei und verwenden für den Versand recycelte Kartons.",
    "Die abgebildeten Farben können je nach Bildschirm leicht vom Original abweichen.",
    "Seit vielen Jahren steht {brand} für durchdachte Produkte, die lange Freude bereiten.",
    "Unsere Produkte werden in kleinen Serien gefertigt und regelmäßig verbessert.",
    "Viele zufriedene Kundinnen und Kunden schätzen die gute Qualität und das faire "
    "Preis-Leistungs-Verhältnis.",
    "Dieses Produkt gehört zu unserem Sortiment für Menschen, die Wert auf Qualität und "
    "Langlebigkeit legen.",
    "Bei Fragen zu Größe, Material oder Verwendung helfen wir Ihnen gerne weiter.",
)
CLOSING_SENTENCES = (
    "Lieferumfang: 1 x {noun} {model}.",
    "Entdecken Sie jetzt das Modell {model} und freuen Sie sich auf viele schöne Momente.",
    "Jetzt bestellen und schon bald selbst überzeugen.",
    "Artikel ohne Dekoration, weiteres Zubehör finden Sie in unserem Shop.",
)
GUARANTEE_BULLET = (
    "ZUFRIEDENHEITSGARANTIE: 30 Tage kostenlose Rückgabe und ein freundlicher Kundenservice "
    "aus Deutschland, der Ihnen gerne weiterhilft"
)
GIFT_BULLET = (
    "GESCHENKIDEE: Ein praktisches Geschenk zum Einzug, zum Geburtstag oder einfach für "
    "sich selbst – schön verpackt auf Wunsch"
)
TITLE_FILLERS = ("Markenqualität", "Neue Kollektion", "Sofort lieferbar")

# --- kinds ----------------------------------------------------------------------------

_APPAREL_SENTENCES = (
    "Das Modell {model} von {brand} verbindet funktionale Details mit einem zeitlosen "
    "Schnitt, der auf dem Trail ebenso überzeugt wie im Büro.",
    "Gefertigt aus {material}, bietet es hohen Tragekomfort und bleibt auch nach vielen "
    "Wäschen formstabil.",
    "Die durchdachte Passform lässt genügend Bewegungsfreiheit, ohne weit oder unförmig "
    "zu wirken.",
    "Flache Nähte verhindern Scheuerstellen, selbst wenn Sie einen schweren Rucksack tragen.",
    "Dank der schnell trocknenden Fasern fühlen Sie sich auch bei schweißtreibenden "
    "Aufstiegen wohl.",
    "Reflektierende Details sorgen in der Dämmerung für zusätzliche Sichtbarkeit.",
    "Praktische Taschen bieten Platz für Smartphone, Karte und kleine Snacks für unterwegs.",
    "Das Material ist {feature} und damit ideal für wechselhaftes Wetter.",
    "Bei der Herstellung achtet {brand} auf faire Arbeitsbedingungen und einen sparsamen "
    "Einsatz von Wasser und Chemikalien.",
    "Kombinieren Sie das Modell mit passenden Artikeln der Serie {model} für einen "
    "stimmigen Look.",
    "Die Größen fallen normal aus; wenn Sie gerne eine zusätzliche Schicht darunter tragen, "
    "wählen Sie eine Nummer größer.",
    "Pflegehinweis: Bei 30 °C im Schonwaschgang waschen, nicht bleichen und nicht im "
    "Trockner trocknen.",
)
_APPAREL_BULLETS = (
    "FUNKTIONELLES MATERIAL: Gefertigt aus {material} – {feature}, angenehm auf der Haut "
    "und ideal für aktive Tage draußen",
    "DURCHDACHTE PASSFORM: Der ergonomische Schnitt bietet viel Bewegungsfreiheit beim "
    "Wandern, Klettern und im Alltag",
    "PRAKTISCHE DETAILS: Taschen mit Reißverschluss bieten sicheren Platz für Smartphone, "
    "Schlüssel und Geldbörse",
    "PFLEGELEICHT: Maschinenwaschbar bei 30 °C, trocknet schnell und muss nicht gebügelt "
    "werden",
    "VIELSEITIG: Ob Wanderung, Städtereise oder Feierabend – das Modell {model} macht jede "
    "Unternehmung mit",
    "NACHHALTIG: {brand} setzt auf langlebige Qualität und recycelte Materialien, wo immer "
    "es möglich ist",
    "GRÖSSENHINWEIS: Fällt normal aus; für das Tragen mehrerer Schichten empfehlen wir eine "
    "Nummer größer",
    GUARANTEE_BULLET,
)
_SHOE_SENTENCES = (
    "Das Modell {model} von {brand} wurde für lange Tage auf wechselndem Untergrund "
    "entwickelt.",
    "Die profilierte Gummisohle bietet sicheren Halt auf nassem Fels, Wurzeln und losem "
    "Schotter.",
    "Ein gepolsterter Schaftrand und eine weiche Zunge schützen den Knöchel vor Druckstellen.",
    "Die Zwischensohle aus EVA dämpft Stöße spürbar und entlastet die Gelenke beim Abstieg.",
    "Das Obermaterial aus {material} ist robust und trotzdem angenehm flexibel.",
    "Eine herausnehmbare Einlegesohle lässt sich bei Bedarf durch eigene Einlagen ersetzen.",
    "Die Schnürung reicht weit nach vorne, sodass sich der Schuh präzise an Ihren Fuß "
    "anpassen lässt.",
    "Eine Zehenschutzkappe bewahrt Sie vor schmerzhaften Stößen an Steinen.",
    "Wir empfehlen, neue Schuhe vor einer längeren Tour einige Tage im Alltag einzulaufen.",
    "Nach dem Tragen am besten mit einer weichen Bürste reinigen und an der Luft trocknen "
    "lassen, nicht auf der Heizung.",
)
_SHOE_BULLETS = (
    "SICHERER HALT: Profilierte Gummisohle mit griffigen Stollen für Fels, Waldboden und "
    "nasse Wege",
    "DÄMPFUNG: Die Zwischensohle aus EVA federt Stöße ab und schont die Gelenke auf langen "
    "Etappen",
    "OBERMATERIAL: Gefertigt aus {material} – robust, flexibel und {feature}",
    "KOMFORT: Gepolsterter Schaftrand und herausnehmbare Einlegesohle für ein angenehmes "
    "Tragegefühl",
    "SCHUTZ: Verstärkte Zehenkappe und Fersenbereich bewahren den Fuß vor Stößen und "
    "Umknicken",
    "PASSFORM: Fällt normal aus; bei breiten Füßen empfehlen wir, eine halbe Nummer größer "
    "zu bestellen",
    "PFLEGE: Mit einer weichen Bürste reinigen und an der Luft trocknen lassen, nicht auf "
    "der Heizung",
    GUARANTEE_BULLET,
)
_GEAR_SENTENCES = (
    "Das Modell {model} von {brand} ist für Touren gemacht, bei denen jedes Gramm zählt, "
    "ohne auf Stabilität zu verzichten.",
    "Aus {material} gefertigt, überzeugt es durch eine lange Lebensdauer, auch bei "
    "intensiver Nutzung.",
    "Alle Komponenten wurden im Gelände getestet und bei Bedarf nachgebessert.",
    "Das geringe Packmaß lässt sich problemlos im Rucksack oder Kofferraum verstauen.",
    "Die Handhabung ist selbsterklärend, sodass Sie auch bei Wind und Dunkelheit schnell "
    "einsatzbereit sind.",
    "Verstärkte Nähte an den stark beanspruchten Stellen halten auch harten Einsätzen stand.",
    "Ein mitgelieferter Packsack schützt das Produkt beim Transport vor Schmutz und "
    "Feuchtigkeit.",
    "Dank der durchdachten Konstruktion ist es für Einsteiger ebenso geeignet wie für "
    "erfahrene Outdoor-Fans.",
    "Ersatzteile und Zubehör sind über unseren Kundenservice erhältlich.",
    "Bitte vor der Lagerung vollständig trocknen lassen, um Stockflecken zu vermeiden.",
)
_GEAR_BULLETS = (
    "LEICHT & KOMPAKT: Geringes Gewicht und kleines Packmaß – passt in jeden Rucksack und "
    "jeden Kofferraum",
    "ROBUST: Gefertigt aus {material}, mit verstärkten Nähten an allen stark beanspruchten "
    "Stellen",
    "EINFACHE HANDHABUNG: Selbsterklärend und in wenigen Minuten einsatzbereit, auch bei "
    "Wind und Dunkelheit",
    "GETESTET: Von unserem Team auf Touren in den Alpen und in Skandinavien ausgiebig erprobt",
    "LIEFERUMFANG: Modell {model} inklusive Packsack und ausführlicher Anleitung in deutscher "
    "Sprache",
    "ERSATZTEILE: Zubehör und Ersatzteile sind über unseren Kundenservice schnell und "
    "günstig erhältlich",
    "VIELSEITIG: Ideal für Trekking, Camping, Festivals und Wochenendausflüge mit der ganzen "
    "Familie",
    "GARANTIE: 3 Jahre Herstellergarantie von {brand} auf Material- und Verarbeitungsfehler",
)
_KITCHEN_SENTENCES = (
    "Das Modell {model} von {brand} macht den Alltag in Ihrem Zuhause ein gutes Stück "
    "einfacher.",
    "Gefertigt aus {material}, ist es langlebig, geschmacksneutral und leicht zu reinigen.",
    "Die ergonomische Form liegt angenehm in der Hand, auch wenn es einmal länger dauert.",
    "Alle Materialien, die mit Lebensmitteln in Berührung kommen, sind frei von BPA und "
    "Weichmachern.",
    "Das zeitlose Design passt in moderne Küchen ebenso wie in das gemütliche Landhaus.",
    "Die meisten Teile sind spülmaschinengeeignet; für eine lange Lebensdauer empfehlen wir "
    "dennoch die Reinigung von Hand.",
    "Durch die platzsparende Bauweise findet es auch in kleinen Schränken seinen Platz.",
    "Jedes Stück durchläuft vor dem Versand eine sorgfältige Qualitätskontrolle.",
    "Ein schönes Geschenk zum Einzug, zur Hochzeit oder einfach für sich selbst.",
)
_KITCHEN_BULLETS = (
    "HOCHWERTIG: Gefertigt aus {material} – langlebig, geschmacksneutral und frei von BPA",
    "ERGONOMISCH: Die durchdachte Form liegt sicher in der Hand und erleichtert die tägliche "
    "Arbeit",
    "PFLEGELEICHT: Die meisten Teile sind spülmaschinengeeignet und lassen sich mühelos "
    "reinigen",
    "PLATZSPAREND: Kompakte Bauweise, die auch in kleinen Küchenschränken noch Platz findet",
    "ZEITLOSES DESIGN: Passt in moderne Küchen ebenso wie in das gemütliche Landhaus",
    "QUALITÄTSKONTROLLE: Jedes Stück wird vor dem Versand von {brand} sorgfältig geprüft",
    GIFT_BULLET,
    GUARANTEE_BULLET,
)
_TEXTILE_SENTENCES = (
    "Das Modell {model} von {brand} bringt Gemütlichkeit in Schlafzimmer, Bad und "
    "Wohnzimmer.",
    "Gefertigt aus {material}, fühlt es sich angenehm weich an und nimmt Feuchtigkeit gut auf.",
    "Die Farben bleiben dank hochwertiger Färbung auch nach vielen Wäschen brillant.",
    "Alle Materialien wurden auf Schadstoffe geprüft und sind hautfreundlich.",
    "Sauber verarbeitete Kanten verhindern das Ausfransen, selbst bei häufigem Gebrauch.",
    "Waschbar bei 60 °C und für den Trockner geeignet – ideal für den Familienalltag.",
    "Die dezenten Farbtöne lassen sich wunderbar mit anderen Textilien kombinieren.",
    "Vor dem ersten Gebrauch empfehlen wir, das Produkt separat zu waschen.",
    "Ein schönes Geschenk zum Einzug, zur Hochzeit oder einfach für sich selbst.",
)
_TEXTILE_BULLETS = (
    "WEICH & SAUGSTARK: Gefertigt aus {material}, angenehm auf der Haut und schnell trocknend",
    "FARBECHT: Hochwertige Färbung – die Farben bleiben auch nach vielen Wäschen brillant",
    "PFLEGELEICHT: Waschbar bei 60 °C und für den Trockner geeignet, ideal für den "
    "Familienalltag",
    "SAUBER VERARBEITET: Doppelt vernähte Kanten verhindern das Ausfransen bei häufigem "
    "Gebrauch",
    "SCHADSTOFFGEPRÜFT: Alle Materialien wurden auf Schadstoffe geprüft und sind "
    "hautfreundlich",
    "KOMBINIERBAR: Dezente Farbtöne, die sich wunderbar mit anderen Textilien der Serie "
    "{model} kombinieren lassen",
    GIFT_BULLET,
    GUARANTEE_BULLET,
)
_BOOK_SENTENCES = (
    "Dieses Buch aus dem Programm von {brand} ist ein verlässlicher Begleiter für Ihre "
    "nächsten Unternehmungen.",
    "Übersichtliche Gliederung, genaue Beschreibungen und zahlreiche Farbfotos machen die "
    "Planung leicht.",
    "Alle Angaben wurden für die aktuelle Auflage sorgfältig geprüft und aktualisiert.",
    "Praktische Symbole zeigen auf einen Blick Schwierigkeit, Dauer und benötigte Zeit.",
    "Die robuste Klappenbroschur übersteht auch einen Regenschauer im Rucksack.",
    "Zusätzliche Tipps der Autorinnen und Autoren führen zu Orten und Ideen abseits des "
    "Bekannten.",
    "Ein Register am Ende des Buches erleichtert das schnelle Nachschlagen.",
    "Die Texte sind lebendig geschrieben und laden zum Schmökern auf dem Sofa ein.",
)
_BOOK_BULLETS = (
    "AKTUELL: Vollständig überarbeitete Auflage mit geprüften Angaben und vielen neuen "
    "Inhalten",
    "ÜBERSICHTLICH: Klare Gliederung, zahlreiche Farbfotos und praktische Symbole für die "
    "schnelle Orientierung",
    "PRAXISNAH: Viele Tipps aus erster Hand von Autorinnen und Autoren, die ihr Thema seit "
    "Jahren kennen",
    "HANDLICH: Kompaktes Format in stabiler Klappenbroschur – passt in jeden Rucksack und "
    "jede Jackentasche",
    "REGISTER: Ausführliches Stichwortverzeichnis zum schnellen Nachschlagen unterwegs und "
    "zu Hause",
    "VERLAG: Erschienen bei {brand}, dem Verlag für Natur, Reisen und gutes Essen",
    GIFT_BULLET,
)
_FOOD_SENTENCES = (
    "{brand} {model} wird aus sorgfältig ausgewählten Zutaten hergestellt.",
    "Ideal als Proviant für Wanderungen, Radtouren oder die Mittagspause im Büro.",
    "Ohne Zusatz von Geschmacksverstärkern und künstlichen Farbstoffen.",
    "Kühl und trocken lagern, vor Wärme und direkter Sonneneinstrahlung schützen.",
    "Nach dem Öffnen bitte bald verbrauchen und gut verschlossen aufbewahren.",
    "Die Zubereitung ist denkbar einfach und gelingt auch auf dem Campingkocher.",
    "Hergestellt in Deutschland in einem Familienbetrieb mit langer Tradition.",
    "Kann Spuren von Nüssen, Soja und Sesam enthalten.",
    "Die wiederverschließbare Verpackung hält den Inhalt lange frisch.",
)
_FOOD_BULLETS = (
    "AUSGEWÄHLTE ZUTATEN: Sorgfältig ausgewählte Rohstoffe, ohne Geschmacksverstärker und "
    "künstliche Farbstoffe",
    "IDEAL FÜR UNTERWEGS: Perfekt als Proviant für Wanderungen, Radtouren und die "
    "Mittagspause",
    "EINFACHE ZUBEREITUNG: Gelingt in wenigen Minuten – zu Hause ebenso wie auf dem "
    "Campingkocher",
    "LANGE HALTBAR: Die wiederverschließbare Verpackung hält den Inhalt lange frisch",
    "AUS DEUTSCHLAND: Hergestellt von {brand} in einem Familienbetrieb mit langer Tradition",
    "ALLERGENHINWEIS: Kann Spuren von Nüssen, Soja und Sesam enthalten – bitte Zutatenliste "
    "beachten",
    "LAGERUNG: Kühl und trocken lagern, vor Wärme und direkter Sonneneinstrahlung schützen",
)

_OUTDOOR_FEATURES = (
    "atmungsaktiv", "wasserabweisend", "winddicht", "schnelltrocknend", "pflegeleicht",
    "leicht und packbar", "besonders strapazierfähig",
)

# kind -> settings; "genders" empty means the title names no gender, "colours" empty
# means the colour column stays NULL.
KINDS: dict[str, dict] = {
    "apparel": {
        "genders": ("Herren", "Damen", "Unisex"), "colours": APPAREL_COLOURS,
        "materials": ("recyceltem Polyester", "weichem Merino-Mix", "Bio-Baumwolle",
                      "robustem Ripstop-Nylon", "elastischem Softshell-Gewebe",
                      "Polyamid mit PFC-freier Imprägnierung"),
        "features": _OUTDOOR_FEATURES, "sentences": _APPAREL_SENTENCES,
        "bullets": _APPAREL_BULLETS, "brands": OUTDOOR_BRANDS,
        "vat": 19, "suffixes": OUTDOOR_SUFFIXES, "size_label": "Gr. ",
    },
    "kids": {
        "genders": ("Kinder", "Jungen", "Mädchen"), "colours": APPAREL_COLOURS,
        "materials": ("recyceltem Polyester", "robustem Polyamid", "Bio-Baumwolle"),
        "features": _OUTDOOR_FEATURES, "sentences": _APPAREL_SENTENCES,
        "bullets": _APPAREL_BULLETS, "brands": OUTDOOR_BRANDS,
        "vat": 19, "suffixes": OUTDOOR_SUFFIXES, "size_label": "Gr. ",
    },
    "shoes": {
        "genders": ("Herren", "Damen", "Unisex"), "colours": SHOE_COLOURS,
        "materials": ("Nubukleder", "Veloursleder und Mesh", "atmungsaktivem Mesh",
                      "recyceltem Synthetik-Gewebe", "gewalktem Wollfilz"),
        "features": ("wasserdicht", "atmungsaktiv", "besonders leicht", "rutschfest"),
        "sentences": _SHOE_SENTENCES, "bullets": _SHOE_BULLETS, "brands": OUTDOOR_BRANDS,
        "vat": 19, "suffixes": OUTDOOR_SUFFIXES, "size_label": "Gr. ",
    },
    "gear": {
        "genders": (), "colours": GEAR_COLOURS,
        "materials": ("robustem Ripstop-Nylon", "recyceltem Polyester", "eloxiertem Aluminium",
                      "rostfreiem Edelstahl", "leichtem Carbon"),
        "features": ("ultraleicht", "wetterfest", "kompakt verstaubar", "robust"),
        "sentences": _GEAR_SENTENCES, "bullets": _GEAR_BULLETS, "brands": OUTDOOR_BRANDS,
        "vat": 19, "suffixes": OUTDOOR_SUFFIXES, "size_label": "",
    },
    "kitchen": {
        "genders": (), "colours": KITCHEN_COLOURS,
        "materials": ("rostfreiem Edelstahl", "Gusseisen", "geöltem Buchenholz",
                      "hitzebeständigem Borosilikatglas", "Steinzeug", "Bambus"),
        "features": ("spülmaschinengeeignet", "BPA-frei", "platzsparend", "langlebig"),
        "sentences": _KITCHEN_SENTENCES, "bullets": _KITCHEN_BULLETS, "brands": HOME_BRANDS,
        "vat": 19, "suffixes": HOME_SUFFIXES, "size_label": "",
    },
    "textiles": {
        "genders": (), "colours": TEXTILE_COLOURS,
        "materials": ("100 % Baumwolle", "Bio-Baumwolle", "Leinen", "flauschigem Frottee",
                      "Renforcé-Baumwolle", "Schurwolle"),
        "features": ("extra weich", "waschbar bis 60 °C", "pflegeleicht", "farbecht"),
        "sentences": _TEXTILE_SENTENCES, "bullets": _TEXTILE_BULLETS, "brands": HOME_BRANDS,
        "vat": 19, "suffixes": HOME_SUFFIXES, "size_label": "",
    },
    "guide": {
        "genders": (), "colours": (), "materials": ("Papier",),
        "features": ("Die 50 schönsten Touren", "Mit Karten und GPS-Tracks",
                     "Familienwanderungen und Gipfeltouren", "Hütten, Höhenwege und Seen"),
        "sentences": _BOOK_SENTENCES, "bullets": _BOOK_BULLETS, "brands": BOOK_BRANDS,
        "vat": 7, "suffixes": ("",), "size_label": "",
    },
    "cookbook": {
        "genders": (), "colours": (), "materials": ("Papier",),
        "features": ("Einfache Rezepte für drinnen und draußen", "Über 100 Lieblingsrezepte",
                     "Schritt für Schritt erklärt", "Rezepte aus Hütte und Bauernhof"),
        "sentences": _BOOK_SENTENCES, "bullets": _BOOK_BULLETS, "brands": BOOK_BRANDS,
        "vat": 7, "suffixes": ("",), "size_label": "",
    },
    "food": {
        "genders": (), "colours": (), "materials": ("ausgewählten Zutaten",),
        "features": ("ohne Zusatzstoffe", "aus kontrolliertem Anbau", "wiederverschließbar",
                     "hergestellt in Deutschland"),
        "sentences": _FOOD_SENTENCES, "bullets": _FOOD_BULLETS, "brands": FOOD_BRANDS,
        "vat": 7, "suffixes": ("",), "size_label": "",
    },
}

# --- customers --------------------------------------------------------------------------

MALE_FIRST = (
    "Lukas", "Jonas", "Maximilian", "Felix", "Paul", "Leon", "Tobias", "Stefan", "Jürgen",
    "Thomas", "Andreas", "Michael", "Matthias", "Björn", "Sören", "Jörg", "Uwe", "Klaus",
    "Günter", "Wolfgang", "Florian", "Sebastian", "Niklas", "Moritz", "Hannes", "Till",
    "Mehmet", "Luca", "Dominik", "Ralf",
)
FEMALE_FIRST = (
    "Anna", "Lena", "Julia", "Sophie", "Marie", "Laura", "Katharina", "Sabine", "Ursula",
    "Birgit", "Renate", "Gabriele", "Monika", "Petra", "Claudia", "Jana",
    "Hannah", "Emma", "Lea", "Mia", "Zoë", "Chantal", "Ayşe", "Franziska", "Svenja",
    "Änne", "Marlene", "Greta", "Johanna", "Ines",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
    "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
    "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler",
    "Weiß", "Groß", "Jäger", "Böhm", "Fuß", "Günther", "Möller", "Dörr", "Süß",
    "Özdemir", "Yılmaz", "Kowalski", "Nguyen", "Brandstätter", "Huber", "Gruber",
    "Eichhorn", "Straßburger", "Vogt", "Kühn", "Pöschl", "Bäumer", "Lindner", "von Bülow",
)
STREETS = (
    "Hauptstraße", "Schillerstraße", "Goethestraße", "Bahnhofstraße", "Lindenallee",
    "Gartenweg", "Kirchplatz", "Rosenstraße", "Ringstraße", "Am Mühlbach", "Birkenweg",
    "Mozartstraße", "Parkstraße", "Wiesenweg", "Dorfstraße", "Schloßallee", "Marktplatz",
    "Am Sonnenhang", "Friedrich-Ebert-Straße", "Königsberger Straße", "Bergstraße",
    "Uferstraße", "Lerchenfeld", "An der Alten Schmiede", "Fährstraße", "Tulpenweg",
)
DE_CITIES = (
    ("10115", "Berlin"), ("10437", "Berlin"), ("80331", "München"), ("81667", "München"),
    ("50667", "Köln"), ("20095", "Hamburg"), ("22765", "Hamburg"),
    ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("40213", "Düsseldorf"),
    ("04109", "Leipzig"), ("01067", "Dresden"), ("90402", "Nürnberg"), ("28195", "Bremen"),
    ("30159", "Hannover"), ("44135", "Dortmund"), ("45127", "Essen"),
    ("79098", "Freiburg im Breisgau"), ("93047", "Regensburg"), ("97070", "Würzburg"),
    ("88045", "Friedrichshafen"), ("87435", "Kempten (Allgäu)"), ("83022", "Rosenheim"),
    ("24103", "Kiel"), ("18055", "Rostock"), ("99084", "Erfurt"), ("66111", "Saarbrücken"),
    ("55116", "Mainz"), ("69117", "Heidelberg"), ("76133", "Karlsruhe"), ("89073", "Ulm"),
    ("86150", "Augsburg"), ("94032", "Passau"), ("37073", "Göttingen"), ("48143", "Münster"),
    ("33602", "Bielefeld"), ("38100", "Braunschweig"), ("39104", "Magdeburg"),
    ("14467", "Potsdam"), ("23552", "Lübeck"), ("82467", "Garmisch-Partenkirchen"),
    ("87561", "Oberstdorf"), ("78462", "Konstanz"), ("35037", "Marburg"), ("96047", "Bamberg"),
    ("83471", "Berchtesgaden"), ("02826", "Görlitz"), ("26122", "Oldenburg"),
)
AT_CITIES = (
    ("1010", "Wien"), ("1070", "Wien"), ("5020", "Salzburg"), ("6020", "Innsbruck"),
    ("8010", "Graz"), ("4020", "Linz"), ("6900", "Bregenz"),
)
CH_CITIES = (
    ("8001", "Zürich"), ("3011", "Bern"), ("4051", "Basel"), ("6003", "Luzern"),
    ("9000", "St. Gallen"),
)
COMPANY_PATTERNS = (
    "{last} GmbH", "{last} & Söhne KG", "Praxis Dr. {last}", "{last} Outdoor e.K.",
    "Bergschule {last}", "Gasthof {last}", "{last} Haustechnik GmbH",
)
# Blocks the Bundesnetzagentur keeps free for fictional use (area code, block prefix).
DE_PHONE_BLOCKS = (("30", "23125"), ("69", "90009"), ("40", "66969"), ("221", "4710"),
                   ("89", "99998"))
