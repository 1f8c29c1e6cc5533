"""Word lists the world is built from: names, places, phone plans, goods.

All invented or generic; the Chinese given names are deliberately few and common so that
unrelated people share names, as they do in real data (``Zhang Wei`` is millions of people).
"""

from __future__ import annotations

CN_SURNAMES = ("Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin")
CN_GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Jun", "Yan", "Hui", "Qiang", "Xiaoming",
            "Jianhua", "Haiyan", "Zhiwei", "Lihua", "Guoqiang")
CN_TRADE_WORDS = ("Haoyun", "Jinli", "Xinda", "Huatai", "Ruifeng", "Baisheng", "Tianyu", "Hengtong",
                  "Yongsheng", "Dafeng", "Meili", "Kangda", "Shengshi", "Fuxing", "Longteng")
CN_CITIES = (("Shenzhen", "5180"), ("Guangzhou", "5100"), ("Yiwu", "3220"), ("Dongguan", "5230"),
             ("Shanghai", "2000"), ("Putian", "3511"), ("Quanzhou", "3620"))
CN_STREETS = ("Bao'an Avenue", "Longhua Road", "Futian Street", "Baiyun Avenue",
              "Chouzhou North Road", "Nanshan Road", "Jinhai Road", "Huangpu East Road")
CN_PARKS = ("Huafeng Industrial Park", "Jinxiu Building", "Xinghe Trade Centre", "Baoneng Plaza",
            "International Trade City District 4")

# Russian names in Cyrillic: the Latin forms come from transliteration, in two systems.
RU_SURNAMES = ("Петров", "Иванов", "Смирнов", "Кузнецов", "Жуков", "Харитонов", "Волков", "Юдин")
RU_GIVEN = ("Иван", "Алексей", "Дмитрий", "Сергей", "Юрий", "Максим", "Евгений", "Андрей")
RU_TRADE_WORDS = ("Альфа", "Вектор", "Северный", "Звезда", "Галактика", "Юпитер")

TR_SURNAMES = ("Yilmaz", "Kaya", "Demir", "Celik", "Sahin", "Yildiz", "Aydin", "Ozturk")
TR_GIVEN = ("Mehmet", "Ahmet", "Mustafa", "Ayse", "Fatma", "Emre", "Burak", "Elif")
TR_TRADE_WORDS = ("Anadolu", "Marmara", "Bosphorus", "Yildiz", "Deniz", "Kartal")

EU_GIVEN = ("Jan", "Anna", "Pieter", "Sophie", "Thomas", "Laura", "Lucas", "Emma", "Marco", "Julia",
            "Lukas", "Marie", "Piotr", "Katarzyna", "Luca", "Sofia", "Noah", "Eva", "Daan", "Lena",
            "Hugo", "Chloé", "Jörg", "Zoë", "Mateo", "Inès", "Wei", "Mohamed", "Fatima", "Ali")
EU_SURNAMES = ("de Vries", "Jansen", "Bakker", "Visser", "Müller", "Schmidt", "Schneider",
               "Fischer", "Martin", "Bernard", "Dubois", "Peeters", "Janssens", "Nowak", "Kowalski",
               "Rossi",
               "Russo", "García", "Fernández", "van Dijk", "Smit", "Meyer", "Weber", "Lefèvre",
               "Zhang", "Wang", "Yilmaz", "El Amrani", "Kaya", "Novak")
EU_TRADE_WORDS = ("Nordic", "Delta", "Euro", "Rhine", "Polder", "Atlas", "Orion", "Lynx", "Vista",
                  "Meridian", "Hanse", "Baltic", "Iberia", "Alpine")

# Per country: cities with postcode makers, street names, phone plan and trunk prefix.
# Phone plan: (country calling code, national mobile prefixes, national significant length).
COUNTRIES: dict[str, dict] = {
    "CN": {"cities": CN_CITIES, "streets": CN_STREETS, "phone": ("86", ("138", "139", "135", "186",
           "158"), 11), "trunk": "", "currency": "USD"},
    "HK": {"cities": (("Kowloon Bay", ""), ("Kwun Tong", ""), ("Tsuen Wan", "")),
           "streets": ("Wang Tai Road", "Hoi Bun Road", "Sha Tsui Road"), "phone": ("852", ("9",
           "6", "5"), 8), "trunk": "", "currency": "HKD"},
    "TR": {"cities": (("Istanbul", "341"), ("Izmir", "352"), ("Bursa", "162")),
           "streets": ("Keresteciler Sitesi", "Merter Caddesi", "Laleli Sokak"),
           "phone": ("90", ("532", "533", "542"), 10), "trunk": "0", "currency": "USD"},
    "AE": {"cities": (("Dubai", ""), ("Sharjah", "")), "streets": ("Al Quoz Industrial Area 3",
           "Jebel Ali Free Zone South", "Deira Naif Road"), "phone": ("971", ("50", "55"), 9),
           "trunk": "0", "currency": "USD"},
    "MY": {"cities": (("Port Klang", "421"), ("Kuala Lumpur", "501")), "streets": ("Jalan Kapar",
           "Jalan Ipoh", "Persiaran Raja Muda"), "phone": ("60", ("12", "17"), 9), "trunk": "0",
           "currency": "USD"},
    "SG": {"cities": (("Singapore", "41"),), "streets": ("Ubi Avenue 1", "Jurong Port Road"),
           "phone": ("65", ("8", "9"), 8), "trunk": "", "currency": "USD"},
    "VN": {"cities": (("Ho Chi Minh City", "700"), ("Hanoi", "100")), "streets": ("Nguyen Van Linh",
           "Tran Hung Dao"), "phone": ("84", ("90", "91"), 9), "trunk": "0", "currency": "USD"},
    "US": {"cities": (("Newark", "071"), ("Los Angeles", "900")), "streets": ("Harbor Blvd",
           "Commerce St"), "phone": ("1", ("201", "310"), 10), "trunk": "", "currency": "USD"},
    "GB": {"cities": (("London", "E1 "), ("Manchester", "M1 ")), "streets": ("High Street",
           "Station Road"), "phone": ("44", ("7700", "7911"), 10), "trunk": "0", "currency": "GBP"},
    "NL": {"cities": (("Amsterdam", "10"), ("Rotterdam", "30"), ("Utrecht", "35"), ("Venlo", "59")),
           "streets": ("Kalverstraat", "Coolsingel", "Oudegracht", "Industrieweg", "Stationsplein"),
           "phone": ("31", ("6",), 9), "trunk": "0", "currency": "EUR"},
    "DE": {"cities": (("Berlin", "10"), ("Hamburg", "20"), ("Köln", "50"), ("Leipzig", "04")),
           "streets": ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Lindenallee"),
           "phone": ("49", ("151", "160", "176"), 11), "trunk": "0", "currency": "EUR"},
    "BE": {"cities": (("Antwerpen", "20"), ("Liège", "40"), ("Bruxelles", "10")),
           "streets": ("Meir", "Rue Neuve", "Kortrijksesteenweg"), "phone": ("32", ("47", "49"), 9),
           "trunk": "0", "currency": "EUR"},
    "FR": {"cities": (("Paris", "75"), ("Lyon", "69"), ("Lille", "59")),
           "streets": ("Rue de Rivoli", "Avenue Jean Jaurès", "Rue de la République"),
           "phone": ("33", ("6", "7"), 9), "trunk": "0", "currency": "EUR"},
    "PL": {"cities": (("Warszawa", "00"), ("Poznań", "60")), "streets": ("ul. Marszałkowska",
           "ul. Półwiejska"), "phone": ("48", ("50", "60", "69"), 9), "trunk": "",
           "currency": "EUR"},
    # Only the drift scenario's new ring ships from here (sim/drift.py): a route no one used.
    "TH": {"cities": (("Bangkok", "10"), ("Laem Chabang", "20")), "streets": ("Sukhumvit Road",
           "Rama IV Road", "Sukhaphiban 5 Road"), "phone": ("66", ("8", "9"), 9), "trunk": "0",
           "currency": "USD"},
    "IT": {"cities": (("Milano", "20"), ("Napoli", "80")), "streets": ("Via Roma",
           "Corso Garibaldi"), "phone": ("39", ("33", "34"), 10), "trunk": "", "currency": "EUR"},
    "ES": {"cities": (("Madrid", "28"), ("Barcelona", "08")), "streets": ("Calle Mayor",
           "Carrer de Balmes"), "phone": ("34", ("6",), 9), "trunk": "", "currency": "EUR"},
}

DESTINATIONS = ("NL", "DE", "BE", "FR", "PL", "IT", "ES")
DESTINATION_WEIGHTS = (0.38, 0.2, 0.1, 0.1, 0.08, 0.07, 0.07)
LEGIT_ORIGINS = ("CN", "CN", "CN", "HK", "US", "GB", "TR", "VN", "DE", "NL")
TRANSSHIPMENT = ("HK", "SG", "MY", "AE", "TR", "VN")

CN_EMAIL_DOMAINS = ("163.com", "qq.com", "126.com", "foxmail.com", "hotmail.com")
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "gmx.de", "mail.ru")

COMPANY_FORMS = {
    "CN": (("Co., Ltd.", "Co. Ltd", "Company Limited", "CO LTD"), ("Trading", "Technology",
           "Import & Export", "E-Commerce", "Electronic")),
    "HK": (("Limited", "Ltd", "Ltd.", "LTD"), ("Trading", "International", "Holdings")),
    "TR": (("Ltd. Sti.", "Limited Sirketi", "LTD STI"), ("Tekstil", "Dis Ticaret", "Trading")),
    "AE": (("FZE", "F.Z.E.", "FZCO"), ("General Trading", "Trading", "Logistics")),
    "RU": (("OOO", "LLC", "ООО"), ("Trade", "Logistik", "Импорт")),
    "EU": (("Ltd", "Ltd.", "Limited"), ("Trading", "Retail", "Distribution", "Commerce")),
    "NL": (("B.V.", "BV", "B.V"), ("Trading", "Retail", "Distributie", "Handel")),
    "BE": (("BV", "SRL", "B.V."), ("Trading", "Retail", "Distribution")),
    "DE": (("GmbH", "GmbH & Co. KG", "GMBH"), ("Handel", "Vertrieb", "Trading")),
    "FR": (("SARL", "SAS", "S.A.R.L."), ("Distribution", "Commerce", "Négoce")),
    "PL": (("Sp. z o.o.", "sp. z o. o.", "SP Z OO"), ("Handel", "Dystrybucja", "Trading")),
    "IT": (("S.r.l.", "SRL", "s.r.l."), ("Commercio", "Distribuzione", "Trading")),
    "ES": (("S.L.", "SL", "S.L.U."), ("Comercial", "Distribución", "Trading")),
    "US": (("Inc.", "Inc", "LLC"), ("Trading", "Imports", "Supply")),
}

# Goods that are not any protected brand: most trade.
GENERIC_GOODS: tuple[tuple[str, str, float, float, float], ...] = (
    # description, HS code, unit price low, unit price high (EUR), unit weight kg
    ("phone case", "392690", 1.5, 9.0, 0.05),
    ("USB cable", "854442", 1.0, 6.0, 0.06),
    ("cotton t-shirt", "610910", 3.0, 15.0, 0.2),
    ("LED strip lights", "940542", 4.0, 25.0, 0.3),
    ("plastic toy", "950300", 2.0, 20.0, 0.25),
    ("kitchen utensils", "821599", 3.0, 18.0, 0.4),
    ("hair accessories", "961511", 0.5, 5.0, 0.03),
    ("bluetooth speaker", "851822", 8.0, 40.0, 0.45),
    ("yoga pants", "610463", 5.0, 25.0, 0.25),
    ("garden tools", "820190", 6.0, 30.0, 1.2),
    ("books", "490199", 5.0, 30.0, 0.5),
    ("bicycle parts", "871499", 4.0, 60.0, 0.8),
    ("wrist watch (unbranded)", "910219", 4.0, 25.0, 0.1),
    ("handbag (unbranded)", "420222", 6.0, 35.0, 0.6),
    ("sports shoes (unbranded)", "640411", 8.0, 30.0, 0.9),
    ("cosmetics samples", "330499", 1.0, 10.0, 0.1),
)

GENERIC_FAKE_WORDS = ("gift", "sample", "personal items", "accessories", "clothing", "shoes",
                      "fashion items", "daily necessities", "spare parts", "textile products")
