"""Word lists poured into the NER templates of data.py: hard negatives (apps and products, UI
words, code identifiers, field labels, plan names, place-like words, settings chrome) and
context words. The v2 lists come in "train" and "test" halves that never overlap, so the
hard-negative held-out set measures a class of word, not memory of a list."""

# Not personal data: apps, products and brands seen in window titles and UI chrome.
PRODUCTS = ["Google Chrome", "Chrome", "Firefox", "Safari", "Microsoft Edge", "Slack", "Microsoft Teams", "Teams", "Zoom",
            "Outlook", "Gmail", "Excel", "Word", "PowerPoint", "OneNote", "Visual Studio Code", "VS Code", "IntelliJ IDEA",
            "PyCharm", "Xcode", "Android Studio", "Terminal", "iTerm2", "Finder", "File Explorer", "Notion", "Figma",
            "Jira", "Confluence", "GitHub", "GitLab", "Bitbucket", "Docker Desktop", "Postman", "Photoshop", "Illustrator",
            "Acrobat Reader", "Spotify", "Calendar", "Notes", "Preview", "Keynote", "Numbers", "Pages", "Trello",
            "Asana", "Salesforce", "HubSpot", "Zendesk", "Discord", "WhatsApp", "Telegram", "Signal", "Skype",
            "Dropbox", "Google Drive", "OneDrive", "Google Docs", "Google Sheets", "Miro", "Linear", "Datadog",
            "Grafana", "Kibana", "Jenkins", "CircleCI", "Kubernetes", "Terraform", "PostgreSQL", "MySQL", "Redis",
            "Python", "Rust", "JavaScript", "TypeScript", "React", "Node.js", "Windows", "macOS", "Ubuntu", "Linux",
            "iPhone", "Android", "Kindle", "ChatGPT", "Copilot", "Tableau", "SAP", "Workday", "ServiceNow"]
UI_WORDS = ["File", "Edit", "View", "Insert", "Format", "Tools", "Help", "Window", "Settings", "Preferences", "Save",
            "Save As", "Open Recent", "Close Tab", "New Tab", "Downloads", "Documents", "Desktop", "Inbox", "Sent",
            "Drafts", "Archive", "Spam", "Trash", "Search", "Filter", "Sort by", "Refresh", "Cancel", "OK", "Apply",
            "Submit", "Next", "Back", "Continue", "Sign in", "Sign out", "Log out", "Profile", "Account", "Billing",
            "Dashboard", "Overview", "Reports", "Analytics", "Pull requests", "Issues", "Actions", "Projects", "Wiki",
            "Security", "Insights", "Merge", "Commit", "Push", "Pull", "Fetch", "Branches", "Tags", "Releases",
            "Untitled", "Untitled document", "Welcome", "Getting Started", "Home", "Explore", "Notifications",
            "Messages", "Contacts", "People", "Teams", "Channels", "Threads", "Mentions", "Bookmarks", "Favorites",
            "Recent", "Shared with me", "Starred", "Today", "Tomorrow", "Yesterday", "Monday", "Tuesday", "Wednesday",
            "Thursday", "Friday", "January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December", "Q1", "Q2", "Q3", "Q4", "Budget", "Roadmap", "Sprint",
            "Backlog", "In Progress", "Done", "To Do", "Blocked", "High", "Low", "Medium", "Urgent", "Draft", "Final",
            "Approved", "Rejected", "Pending", "Total", "Subtotal", "Tax", "Amount", "Invoice", "Receipt", "Order",
            "Customer", "Supplier", "Employee", "Manager", "Name", "Address", "City", "Country", "Company", "Phone"]
IDENTS = ["getUserName", "user_name", "first_name", "last_name", "lastName", "firstName", "self.city", "AddressLine1",
          "companyId", "org_id", "personId", "customer.address", "parseAddress()", "normalize_city", "CompanyService",
          "UserRepository", "fetchOrganization", "location_id", "geo.country_code", "PERSON_TABLE", "HttpClient",
          "useState", "useEffect", "handleSubmit", "onClick", "__init__", "main.rs", "Cargo.toml", "README.md",
          "package.json", "Dockerfile", "Makefile", "index.tsx", "App.vue", "settings.py", "config.yaml",
          "docker-compose.yml", ".env.example", "src/lib.rs", "tests/test_api.py", "build.gradle", "pom.xml",
          "String", "Vec<u8>", "HashMap", "Option<T>", "Result", "async fn", "impl Display", "SELECT", "JOIN",
          "WHERE", "GROUP BY", "NullPointerException", "TypeError", "KeyError", "404 Not Found", "200 OK",
          "localhost:8080", "127.0.0.1", "v2.3.1", "release-2024.10", "feature/login-page", "hotfix/null-check"]
# Field labels that are not names: "Escalations: call ...", "IBAN: ...".
FIELD_LABELS = ["Escalations", "IBAN", "SWIFT", "BIC", "Reference", "Ref", "Invoice", "Ticket", "Case", "Order",
                "Tracking", "Account", "Balance", "Due", "Total", "Status", "Priority", "Severity", "Owner team",
                "Hotline", "Support", "Helpdesk", "Reception", "Fax", "Mobile", "Tel", "Office", "Extension",
                "Notes", "Comment", "Subject", "Agenda", "Summary", "Deadline", "Budget", "Version", "Build",
                "Region code", "Port", "Host", "Token", "Key", "Password", "PIN", "OTP", "Code", "Serial",
                "Warranty", "License", "Policy", "Claim", "Member ID", "Patient ID", "Badge", "Desk", "Room",
                "Floor", "Gate", "Seat", "Flight", "Booking", "Voucher", "Coupon", "Promo", "Discount", "VAT",
                "Net", "Gross", "Currency", "Rate", "Fee", "Deposit", "Refund", "Payout", "Escalation path"]
WORDS = ["meeting", "report", "deadline", "review", "update", "draft", "budget", "notes", "agenda", "proposal",
         "contract", "invoice", "schedule", "feedback", "presentation", "launch", "migration", "outage", "deploy",
         "rollback", "design", "prototype", "summary", "quarterly", "forecast", "onboarding", "training", "offsite",
         "standup", "retro", "planning", "sync", "demo", "interview", "candidate", "hiring", "ticket", "bug",
         "feature", "customer", "vendor", "partner", "lead", "opportunity", "pipeline", "campaign", "newsletter"]

# Hard negatives added for the student (v2): the classes of word the first model over-tagged in
# screens. Train and held-out draw from disjoint parts, so the negative held-out set measures the
# class, not memory of a list.
# Plan, tier and product names, CamelCase or spaced ("PlanGold", "Gold plan", "CloudSync Pro").
PLAN_HEADS = {"train": ["Plan", "Tier", "Cloud", "Pay", "Smart", "Data", "Quick", "Net", "Flex", "Go", "Auto", "Team",
                        "Work", "Sales", "Cyber", "Pixel", "Hyper", "Meta", "Omni", "Zen", "Nova", "Bright", "Swift", "Blue"],
              "test": ["Pro", "Ultra", "Secure", "Info", "Sky", "Snap", "Mega", "Turbo", "Prime", "Live", "Max", "Core"]}
PLAN_TAILS = {"train": ["Gold", "Silver", "Bronze", "Platinum", "Plus", "Max", "Sync", "Hub", "Vault", "Flow", "Desk",
                        "Box", "Pilot", "Suite", "Point", "Base", "Link", "Works", "Stream", "Cloud", "Lite", "One"],
              "test": ["Diamond", "Premium", "Edge", "Connect", "Logic", "Shield", "Cast", "Space", "Track", "Forge", "Mail", "Go"]}
PLAN_WORDS = {"train": ["Free", "Basic", "Starter", "Standard", "Business", "Enterprise", "Team", "Growth", "Essentials",
                        "Family", "Student", "Annual", "Monthly", "Trial"],
              "test": ["Professional", "Premium", "Personal", "Unlimited", "Scale", "Advanced", "Individual"]}
# Common words that name no place: "town", "greater", "downtown"...
PLACE_WORDS = {"train": ["town", "greater", "downtown", "uptown", "north", "south", "east", "west", "central", "city",
                         "county", "state", "metro", "region", "local", "global", "harbour", "park", "valley", "lake",
                         "market", "square", "station", "centre", "center", "coast", "island", "village", "district"],
               "test": ["midtown", "northern", "southwest", "inland", "bay", "street", "suburb", "capital", "border",
                        "river", "port", "countryside", "province", "territory", "zone"]}
INDUSTRIES = ["Software", "Retail", "Healthcare", "Logistics", "Manufacturing", "Finance", "Education", "Hospitality",
              "Insurance", "Construction", "Energy", "Media", "Telecom", "Legal", "Real estate", "Non-profit",
              "Government", "Automotive", "Pharma", "Consulting"]
STATUSES = ["Active", "Inactive", "Churned", "Trial", "Prospect", "Lead", "Qualified", "Closed won", "Closed lost",
            "Open", "Paid", "Overdue", "Pending", "Renewal due", "On hold", "Verified", "Suspended"]
# UI chrome of settings, billing and login screens (train | held-out).
UI_MORE = {"train": ["Upgrade", "Upgrade plan", "Manage subscription", "Billing cycle", "Payment method", "Dark mode",
                     "Two-factor authentication", "Remember me", "Forgot password?", "Create account", "Keep me signed in",
                     "Log in", "Sign up", "Invite members", "Workspace", "Members", "Roles", "Permissions", "Owner",
                     "Admin", "Viewer", "Editor", "Plan", "Seats", "Usage", "Limits", "Integrations", "API keys",
                     "Webhooks", "Audit log", "Export CSV", "Import", "Columns", "Rows", "Filter by", "Group by",
                     "Company", "Industry", "Region", "Territory", "Account owner", "Lifecycle stage", "Deal stage"],
           "test": ["Change plan", "Renew now", "Invoices", "Security keys", "Single sign-on", "Stay signed in",
                    "Reset password", "Teammates", "Guest", "Contributor", "Add column", "Segment", "Pipeline view",
                    "Company name", "Headquarters", "Employees", "Annual revenue", "Sort ascending"]}
UI_SPLIT = {"train": UI_MORE["train"], "test": UI_MORE["test"]}
