"""The words of the demo data: company and people names, titles, and what CSMs write (notes, calls, meetings, tasks,
tickets, churn reasons). Plain data, read by `accounts.demo.story`; fictional throughout (no real companies or
people).

Note templates are Markdown with `{placeholders}` that `accounts.demo.story` fills in; they only use characters that
Markdown leaves alone around the placeholders, so a template is rendered once and the values are put into the HTML.
"""

from __future__ import annotations

# -- Companies ---------------------------------------------------------------------------------------------------

COMPANY_FIRST = [
    "Northwind", "Brightpath", "Bluefin", "Cedar", "Crescent", "Summit", "Harbor", "Redwood", "Silverline",
    "Ironbridge", "Clearwater", "Granite", "Lumen", "Meridian", "Nimbus", "Orchard", "Pioneer", "Quarry", "Riverside",
    "Sterling", "Tidewater", "Vantage", "Westbrook", "Zephyr", "Atlas", "Beacon", "Copper", "Driftwood", "Evergreen",
    "Falcon", "Foxglove", "Glacier", "Hawthorne", "Horizon", "Juniper", "Keystone", "Lakeshore", "Maple",
    "Northstar", "Oakridge", "Pinecrest", "Quartz", "Rockwell", "Sable", "Trailhead", "Upland", "Vertex", "Willow",
    "Amber", "Aspen", "Basalt", "Birchwood", "Blackstone", "Bramble", "Brookfield", "Canyon", "Cascade", "Cobalt",
    "Coral", "Cypress", "Delta", "Eastgate", "Ember", "Fairview", "Fernhill", "Fieldstone", "Firefly", "Flint",
    "Gallant", "Goldcrest", "Greenfield", "Halcyon", "Harvest", "Heron", "Highland", "Hollow", "Indigo", "Ivory",
    "Jasper", "Kestrel", "Kingfisher", "Lark", "Linden", "Lodestar", "Magnolia", "Marble", "Mariner", "Meadow",
    "Mistral", "Monarch", "Moorland", "Mosaic", "Nautilus", "Nova", "Oakmont", "Obsidian", "Olive", "Onyx",
    "Osprey", "Pacific", "Paragon", "Pebble", "Pelican", "Peregrine", "Polaris", "Prairie", "Prism", "Quill",
    "Raven", "Ridgeline", "Rosewood", "Saffron", "Sagebrush", "Sandpiper", "Sapphire", "Seabright", "Sequoia",
    "Shoreline", "Sierra", "Skylark", "Slate", "Solstice", "Sparrow", "Spruce", "Starling", "Stonebridge",
    "Sunridge", "Tamarack", "Tanager", "Thistle", "Timber", "Topaz", "Tundra", "Twin Oaks", "Valley", "Velvet",
    "Verdant", "Wayfarer", "Whitecap", "Wildrose", "Windward", "Woodland", "Yarrow", "Alder", "Anchor", "Arbor",
    "Bayside", "Bellwether", "Blue Ridge", "Boulder", "Brightwater", "Caravel", "Clover", "Compass", "Crestview",
    "Dune", "Elmstead", "Everest", "Fjord", "Gatehouse", "Greystone", "Hearth", "Hillcrest", "Inkwell", "Lantern",
    "Lighthouse", "Millbrook", "Moonstone", "Northbridge", "Open Field", "Pinnacle", "Redstone", "Riverbend",
    "Saltmarsh", "Silver Birch", "Southport", "Stillwater", "Sunstone", "Tallgrass", "Waypoint", "Wolfe",
]  # fmt: skip

# The second word of a name, with the industry the demo files the company under.
COMPANY_SECOND = [
    ("Logistics", "Logistics"), ("Freight", "Logistics"), ("Couriers", "Logistics"), ("Fleet", "Logistics"),
    ("Analytics", "Software"), ("Software", "Software"), ("Systems", "Software"), ("Cloud", "Software"),
    ("Data", "Software"), ("Digital", "Software"), ("Technologies", "Software"), ("Interactive", "Software"),
    ("Health", "Healthcare"), ("Clinics", "Healthcare"), ("Dental", "Healthcare"), ("Diagnostics", "Healthcare"),
    ("Therapeutics", "Life sciences"), ("Biotech", "Life sciences"), ("Pharma", "Life sciences"),
    ("Veterinary", "Healthcare"), ("Robotics", "Manufacturing"), ("Manufacturing", "Manufacturing"),
    ("Plastics", "Manufacturing"), ("Metals", "Manufacturing"), ("Textiles", "Manufacturing"),
    ("Instruments", "Manufacturing"), ("Optics", "Manufacturing"), ("Devices", "Manufacturing"),
    ("Foods", "Food and beverage"), ("Brewing", "Food and beverage"), ("Coffee", "Food and beverage"),
    ("Bakery", "Food and beverage"), ("Kitchens", "Food and beverage"), ("Grocers", "Retail"),
    ("Apparel", "Retail"), ("Outfitters", "Retail"), ("Markets", "Retail"), ("Home", "Retail"),
    ("Furniture", "Retail"), ("Interiors", "Retail"), ("Travel", "Travel and hospitality"),
    ("Hospitality", "Travel and hospitality"), ("Events", "Travel and hospitality"),
    ("Ticketing", "Travel and hospitality"), ("Learning", "Education"), ("Academy", "Education"),
    ("Education", "Education"), ("Publishing", "Media"), ("Media", "Media"), ("Studios", "Media"),
    ("Games", "Media"), ("Print", "Media"), ("Insurance", "Financial services"), ("Capital", "Financial services"),
    ("Payments", "Financial services"), ("Accounting", "Professional services"), ("Legal", "Professional services"),
    ("Consulting", "Professional services"), ("Staffing", "Professional services"),
    ("Recruiting", "Professional services"), ("Design", "Professional services"), ("Realty", "Real estate"),
    ("Properties", "Real estate"), ("Construction", "Construction"), ("Builders", "Construction"),
    ("Engineering", "Construction"), ("Energy", "Energy"), ("Solar", "Energy"), ("Wind", "Energy"),
    ("Water", "Utilities"), ("Telecom", "Telecommunications"), ("Networks", "Telecommunications"),
    ("Security", "Software"), ("Mobility", "Transportation"), ("Transit", "Transportation"),
    ("Aviation", "Transportation"), ("Marine", "Transportation"), ("Motors", "Automotive"),
    ("Charging", "Automotive"), ("Farms", "Agriculture"), ("Organics", "Agriculture"), ("Packaging", "Manufacturing"),
    ("Supply", "Wholesale"), ("Distribution", "Wholesale"), ("Wholesale", "Wholesale"), ("Storage", "Logistics"),
    ("Fitness", "Health and fitness"), ("Sports", "Health and fitness"), ("Pet Care", "Retail"),
]  # fmt: skip

# Legal-form suffixes with the top-level domain they go with; each gives a different domain for the same name.
COMPANY_SUFFIXES = [
    ("", "com", "North America"), (" Group", "com", "North America"), (" Labs", "io", "North America"),
    (" GmbH", "de", "EMEA"), (" Ltd", "co.uk", "EMEA"), (" B.V.", "nl", "EMEA"), (" AB", "se", "EMEA"),
    (" SAS", "fr", "EMEA"), (" Pty Ltd", "com.au", "APAC"), (" ApS", "dk", "EMEA"), (" Oy", "fi", "EMEA"),
    (" Inc.", "us", "North America"),
]  # fmt: skip

PHONE_FORMATS = {
    "com": "+1 {a}{b}{c} {d}{e}{f} {g}{h}{i}{j}", "io": "+1 {a}{b}{c} {d}{e}{f} {g}{h}{i}{j}",
    "us": "+1 {a}{b}{c} {d}{e}{f} {g}{h}{i}{j}", "de": "+49 30 {a}{b}{c}{d}{e}{f}{g}",
    "co.uk": "+44 20 {a}{b}{c}{d} {e}{f}{g}{h}", "nl": "+31 20 {a}{b}{c} {d}{e}{f}{g}",
    "se": "+46 8 {a}{b}{c} {d}{e}{f} {g}{h}", "fr": "+33 1 {a}{b} {c}{d} {e}{f} {g}{h}",
    "com.au": "+61 2 {a}{b}{c}{d} {e}{f}{g}{h}", "dk": "+45 {a}{b} {c}{d} {e}{f} {g}{h}",
    "fi": "+358 9 {a}{b}{c} {d}{e}{f}{g}",
}  # fmt: skip

# -- People ------------------------------------------------------------------------------------------------------

FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Charlotte", "James", "Mia", "Lucas",
    "Harper", "Mateo", "Evelyn", "Ethan", "Abigail", "Aiden", "Emily", "Daniel", "Ella", "Henry", "Scarlett",
    "Jackson", "Grace", "Sebastian", "Chloe", "Leo", "Victoria", "Jack", "Riley", "Owen", "Aria", "Samuel", "Lily",
    "Gabriel", "Aurora", "Carter", "Zoey", "Jayden", "Nora", "Luke", "Hannah", "Anthony", "Layla", "Isaac",
    "Priya", "Arjun", "Ananya", "Rohan", "Mei", "Wei", "Yuki", "Haruto", "Sakura", "Jin", "Soo-ah", "Min-jun",
    "Fatima", "Omar", "Aisha", "Yusuf", "Layla", "Hamza", "Amara", "Chidi", "Ngozi", "Kwame", "Zanele", "Tariq",
    "Sofia", "Lucia", "Javier", "Camila", "Diego", "Valentina", "Mateus", "Beatriz", "Joao", "Ines", "Pedro",
    "Lars", "Ingrid", "Sven", "Astrid", "Freja", "Mikkel", "Saara", "Eero", "Anneli", "Jonas", "Lena", "Felix",
    "Hanna", "Lukas", "Marie", "Julien", "Camille", "Louis", "Chloe", "Margaux", "Thomas", "Sanne", "Daan", "Fleur",
    "Bram", "Elif", "Emre", "Zeynep", "Piotr", "Zofia", "Tomasz", "Katarzyna", "Dmitri", "Irina", "Nikos",
    "Eleni", "Marco", "Giulia", "Alessandro", "Chiara", "Rachel", "David", "Sarah", "Michael", "Jessica", "Kevin",
    "Laura", "Brian", "Megan", "Ryan", "Nicole", "Jason", "Rebecca", "Eric", "Dana", "Tom", "Kate", "Paul", "Ruth",
]  # fmt: skip

LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Shah", "Mehta", "Iyer", "Reddy", "Chen", "Wang", "Li",
    "Zhang", "Tanaka", "Sato", "Suzuki", "Kim", "Park", "Choi", "Okafor", "Mensah", "Adeyemi", "Nkosi", "Haddad",
    "Khalil", "Rahman", "Hussain", "Silva", "Santos", "Oliveira", "Costa", "Pereira", "Fernandes", "Schmidt",
    "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Richter", "Wagner", "Dubois", "Laurent", "Moreau",
    "Lefebvre", "Bernard", "De Vries", "Jansen", "Bakker", "Visser", "Van Dijk", "Johansson", "Lindqvist",
    "Nilsson", "Andersen", "Nielsen", "Virtanen", "Korhonen", "Nowak", "Kowalski", "Wisniewski", "Ivanova",
    "Petrov", "Papadopoulos", "Rossi", "Bianchi", "Ferrari", "Romano", "Murphy", "Kelly", "O'Brien", "Byrne",
    "Walsh", "Fraser", "MacLeod", "Whitfield", "Holloway", "Ashford", "Pemberton", "Sinclair", "Hargreaves",
    "Yilmaz", "Demir", "Kaya", "Novak", "Horvat", "Kovacs", "Dvorak", "Lund", "Berg", "Haugen", "Strand",
]  # fmt: skip

# Titles by contact role, from the top of the customer's organization down.
TITLES = {
    "executive_sponsor": [
        "Chief Operating Officer", "VP of Operations", "Chief Technology Officer", "VP of Customer Experience",
        "Head of Revenue Operations", "Chief Digital Officer", "VP of Engineering", "Managing Director",
        "VP of Sales", "Chief Marketing Officer", "Head of Operations", "General Manager",
    ],
    "champion": [
        "Operations Manager", "Director of Analytics", "Product Operations Lead", "Head of Support",
        "CRM Manager", "Director of Customer Success", "Marketing Operations Manager", "IT Manager",
        "Sales Operations Lead", "Business Systems Manager", "Program Manager", "Team Lead, Operations",
    ],
    "decision_maker": [
        "Head of Procurement", "Director of IT", "Chief Financial Officer", "VP of Finance", "Head of IT",
        "Procurement Manager",
    ],
    "billing": [
        "Accounts Payable Specialist", "Finance Manager", "Billing Coordinator", "Controller",
        "Office Manager", "Finance Business Partner",
    ],
    "user": [
        "Data Analyst", "Support Team Lead", "Account Executive", "Marketing Specialist", "Operations Analyst",
        "Customer Support Agent", "Sales Development Rep", "Project Coordinator", "Business Analyst",
        "Solutions Engineer", "Content Manager", "Implementation Specialist", "Inside Sales Rep",
        "Onboarding Specialist", "Reporting Analyst",
    ],
}  # fmt: skip

# -- What the customer uses and talks about -----------------------------------------------------------------------

FEATURES = [
    "SSO", "the Salesforce sync", "custom dashboards", "the reporting API", "role-based permissions",
    "the mobile app", "audit logs", "scheduled exports", "the Slack integration", "bulk import", "usage alerts",
    "the HubSpot connector", "data retention settings", "the workflow builder", "saved views", "the Zapier app",
    "webhooks", "the Outlook add-in", "two-factor authentication", "the Jira integration",
]  # fmt: skip
COMPETITORS = ["Relaymetrics", "Pulsegrid", "Stackwise", "Orbitly", "Clearfolio", "Tallyhive"]
TEAMS = ["finance", "marketing", "support", "sales", "the warehouse team", "operations", "IT", "the EMEA office"]

# -- Notes, calls and meetings -------------------------------------------------------------------------------------
# (kind, phase, Markdown). Phases: onboarding, adoption, expansion, renewal, risk, champion_left, churn.
# Placeholders: account, contact, contact_first, contact_title, sponsor, sponsor_first, owner_first, feature,
# feature_b, competitor, team, seats, more_seats, users, users_before, seat_share, trainees, pct, weeks, tickets,
# month, quarter, weekday.

NOTES = [
    (
        "meeting",
        "onboarding",
        """**Kick-off with {contact}** ({contact_title})

Agreed success criteria for the first 90 days:

1. {users} users active every week by the end of month two
2. {feature} live for the whole company
3. First report shared with {sponsor_first} before the {quarter} planning

Next steps: I send the onboarding plan today; {contact_first} books the admin training for {weekday}.""",
    ),
    (
        "call",
        "onboarding",
        """Onboarding check-in with {contact_first}.

- Data import finished, {pct}% of records matched on the first run
- Blocked on {feature}: their IT needs the setup guide, sent it after the call
- {contact_first} asked for a short video for new users, pointed to the academy

Follow up on {weekday}.""",
    ),
    (
        "note",
        "onboarding",
        """Admin training done, {trainees} people attended. Good questions about {feature} and {feature_b}.

{contact_first} is a natural champion: ran half of the session and has already built two dashboards.""",
    ),
    (
        "call",
        "onboarding",
        """Quick call: rollout to **{team}** slipped by {weeks} weeks because of their own
reorganisation. Nothing wrong on our side. Moved the milestone in the plan and told {sponsor_first}.""",
    ),
    (
        "meeting",
        "onboarding",
        """**Installation review** with {contact} and their IT lead.

- {feature} configured and tested with a pilot group
- Permissions: they want one role per region, showed how to copy a role
- Open question on data residency, I asked our security team for the document

We are on track for the 30-day milestone.""",
    ),
    (
        "note",
        "onboarding",
        """First value reached: {team} closed the month with the new reports instead of the spreadsheet.
Worth a short case note once they are past 90 days.""",
    ),
    (
        "call",
        "adoption",
        """Monthly check-in with {contact_first}.

- Weekly active users up to {users} of {seats} seats (from {users_before} last month)
- They love {feature}; {feature_b} is still unused, offered a 30-minute session
- No open issues

Next check-in in four weeks.""",
    ),
    (
        "meeting",
        "adoption",
        """**QBR {quarter}** with {sponsor} and {contact}

| | last quarter | this quarter |
|---|---|---|
| active users | {users_before} | {users} |
| tickets | {tickets} | 2 |

Value in use: {team} saves about {weeks} hours a week on reporting. Goals for next quarter: roll out
{feature_b}, connect {feature}. {sponsor_first} wants the numbers in their board pack.""",
    ),
    (
        "note",
        "adoption",
        """Usage review: logins from {team} dropped about {pct}% over the last three weeks. Probably the
holiday season, but I will ask {contact_first} on the next call.""",
    ),
    (
        "call",
        "adoption",
        """{contact_first} called about {feature}. Walked through the setup together, it works now.
Suggested they join the {month} webinar on advanced reporting.""",
    ),
    (
        "note",
        "adoption",
        """Product feedback from {contact_first}: they want {feature_b} to support custom fields.
Logged it with product; told {contact_first} it is on the list, no date promised.""",
    ),
    (
        "meeting",
        "adoption",
        """**Executive business review** with {sponsor} ({month})

- Strategic goal this year: one system for all customer data across {team} and sales
- We showed the adoption numbers: {users} active users, {seat_share}% of the licensed seats
- {sponsor_first} asked for a roadmap session with our product team

Action: book the roadmap session, send the summary deck.""",
    ),
    (
        "call",
        "adoption",
        """Training follow-up with the new hires in {team}. {trainees} people on the call.
Shared the recording and the cheat sheet for {feature}.""",
    ),
    (
        "note",
        "expansion",
        """Expansion signal: {contact_first} mentioned {team} wants access too, roughly {more_seats} more seats.
Talked to {sponsor_first}: budget is there for next quarter. Preparing a proposal.""",
    ),
    (
        "call",
        "expansion",
        """Call with {sponsor_first} about the upgrade. They want {feature_b} and more seats for {team}.
Sent the quote for the {month} start; {sponsor_first} takes it to procurement.""",
    ),
    (
        "meeting",
        "expansion",
        """**Advocacy**: {contact} agreed to a short case study about how {team} uses {feature}.
Marketing will reach out in {month}. Also happy to be a reference for prospects in their industry.""",
    ),
    (
        "note",
        "renewal",
        """Renewal prep: contract ends in about {weeks} weeks. Usage is healthy ({users} weekly users,
{seat_share}% of seats). Plan: renewal call with {sponsor_first} next week, propose a two-year term.""",
    ),
    (
        "call",
        "renewal",
        """Renewal call with {sponsor}.

- Happy with the product, especially {feature}
- Asked for a discount on a multi-year term; I said I would check with my manager
- Procurement contact is {contact_first}

Next: send the renewal quote by {weekday}.""",
    ),
    (
        "meeting",
        "renewal",
        """**Renewal meeting** with {sponsor} and {contact}

Outcome: renewing for another year at the current price, plus {more_seats} seats for {team}.
Paperwork goes through {contact_first}. Great result; thanked the team.""",
    ),
    (
        "note",
        "risk",
        """Risk: {contact_first} said on Slack that {competitor} pitched to {sponsor_first} last week.
Usage is down {pct}% this month and there are {tickets} open tickets. Escalating to my manager;
booking an exec call.""",
    ),
    (
        "call",
        "risk",
        """Escalation call with {contact} about the open tickets ({tickets} this month).

- Main pain: {feature} failing during their nightly sync
- Support has a fix planned, I promised an update by {weekday}
- Tone was frustrated but constructive

I will check in every two days until it is solved.""",
    ),
    (
        "note",
        "champion_left",
        """{contact} ({contact_title}), our champion, has left the company; nobody owns the rollout on their side now.
Asked {sponsor_first} who takes over and offered a refresher training for the team.""",
    ),
    (
        "meeting",
        "risk",
        """**Get-well plan** with {sponsor}

1. Support fixes the issue with {feature} this sprint
2. We run two training sessions for {team}
3. Weekly 15-minute check-in with {contact_first} for six weeks

{sponsor_first} will decide about the renewal after that.""",
    ),
    (
        "note",
        "churn",
        """Churn debrief. What happened: adoption stalled after onboarding, {team} never moved off their
old tool, and {competitor} offered a bundle with their CRM. Lesson: push for the second-team milestone earlier.""",
    ),
    (
        "call",
        "churn",
        """{sponsor_first} confirmed they will not renew. Reason: budget cut for {team}.
They might come back next year; asked to keep the door open. Exported their data for them.""",
    ),
]

# -- Tasks ---------------------------------------------------------------------------------------------------------
# (phase, title): the same phases as the notes.

TASKS = [
    ("onboarding", "Send the 30/60/90-day onboarding plan to {contact_first}"),
    ("onboarding", "Book admin training with {contact_first}"),
    ("onboarding", "Check that the first data import finished"),
    ("onboarding", "Share the setup guide for {feature} with their IT"),
    ("onboarding", "30-day check-in: confirm success criteria"),
    ("adoption", "Prepare the {quarter} QBR deck"),
    ("adoption", "Send recap of the {month} check-in to {contact_first}"),
    ("adoption", "Offer a training session on {feature_b} to {team}"),
    ("adoption", "Review the usage drop with {contact_first}"),
    ("adoption", "Invite {contact_first} to the {month} webinar"),
    ("adoption", "Send the NPS follow-up"),
    ("expansion", "Draft expansion proposal: {more_seats} more seats for {team}"),
    ("expansion", "Ask {contact_first} for a case study"),
    ("renewal", "Confirm renewal terms with {sponsor_first}"),
    ("renewal", "Send the renewal quote"),
    ("renewal", "Book the renewal call"),
    ("champion_left", "Find a new champion after {contact_first} left"),
    ("risk", "Escalation: update {contact_first} on the open tickets"),
    ("risk", "Book an exec call with {sponsor_first}"),
    ("churn", "Export their data and confirm the offboarding"),
]

# -- Tickets -------------------------------------------------------------------------------------------------------

TICKETS = [
    ("CSV export times out for large reports", "The export of last quarter's report never finishes."),
    ("SSO login loops back to the sign-in page", "Since this morning nobody in our team can log in with SSO."),
    ("Invoice shows the wrong VAT number", "Our VAT number changed in March; the latest invoice has the old one."),
    ("Slack notifications stopped arriving", "We get nothing in our alerts channel since Friday."),
    ("Cannot invite new users: seat limit reached", "We need to add two people from the new team."),
    ("Dashboard charts do not load in Safari", "Charts stay blank in Safari 17; Chrome works."),
    ("API returns 429 during the nightly sync", "Our nightly job fails with rate-limit errors since the upgrade."),
    ("Bulk edit for many records", "Is there a way to change the owner of 300 records at once?"),
    ("Password reset email not received", "One of our users never gets the reset email. Checked spam."),
    ("Data missing after the Salesforce sync", "About 40 records did not come over from Salesforce."),
    ("Scheduled reports use the wrong time zone", "Reports arrive at 3 am instead of 9 am."),
    ("How do we set up role-based permissions?", "We want team leads to see only their team."),
    ("Webhook deliveries failing with 500", "Our endpoint logs show retries every minute."),
    ("Mobile app crashes on startup (Android 14)", "Several users report the crash after the last update."),
    ("Need a copy of the DPA", "Legal asks for the signed data processing agreement."),
    ("Switch to annual billing", "We would like to move to annual billing at renewal."),
    ("Duplicate contacts after import", "The import created duplicates for contacts that already existed."),
    ("Search is slow on large lists", "Searching takes 10 seconds or more in the records view."),
    ("Custom field not visible to team members", "Only admins can see the new Region field."),
    ("Two-factor codes not accepted", "Codes from the authenticator app are rejected for one user."),
    ("Request: export dashboard as PDF", "Our board wants the dashboard as a PDF every month."),
    ("Outlook add-in does not show up", "Installed it through our admin center but it is not visible."),
]  # fmt: skip

CHURN_REASONS = [
    "Budget cut after a reorganisation; the team using us was merged into finance.",
    "Moved to {competitor}, which came bundled with their CRM.",
    "The champion left and nobody picked up the rollout.",
    "The product did not fit their approval workflow.",
    "Acquired; the parent company standardises on its own tooling.",
    "Low adoption: only a handful of the seats were active in the last quarter.",
    "Went out of business.",
    "Price: they could not justify the cost at their size.",
]

TAGS = ["beta", "upsell-candidate", "at-risk", "reference", "strategic"]

SELF_SERVE_PRICES = [49, 79, 99, 149, 199, 249, 299, 399, 499]

# Plans by tier level (tech-touch, SMB, enterprise) with their list price range per month.
PLANS = [
    [("Starter", 49, 149), ("Growth", 149, 499)],
    [("Team", 500, 1500), ("Business", 1500, 3500)],
    [("Enterprise", 4000, 15000), ("Enterprise Plus", 15000, 45000)],
]
