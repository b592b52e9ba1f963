//! Leads: prospects not yet qualified. This module holds the lead option sets; the lead
//! form, views and the Qualify/Disqualify flows build on them.

use crate::option_set;

option_set!(LeadSource {
    Advertisement => "advertisement", "Advertisement",
    EmployeeReferral => "employee_referral", "Employee Referral",
    ExternalReferral => "external_referral", "External Referral",
    Partner => "partner", "Partner",
    PublicRelations => "public_relations", "Public Relations",
    Seminar => "seminar", "Seminar",
    TradeShow => "trade_show", "Trade Show",
    Web => "web", "Web",
    WordOfMouth => "word_of_mouth", "Word of Mouth",
    Other => "other", "Other",
});

option_set!(Rating { Hot => "hot", "Hot", Warm => "warm", "Warm", Cold => "cold", "Cold" });

option_set!(BudgetStatus {
    NoCommittedBudget => "no_committed_budget", "No Committed Budget",
    MayBuy => "may_buy", "May Buy",
    CanBuy => "can_buy", "Can Buy",
    WillBuy => "will_buy", "Will Buy",
});

option_set!(PurchaseTimeframe {
    Immediate => "immediate", "Immediate",
    ThisQuarter => "this_quarter", "This Quarter",
    NextQuarter => "next_quarter", "Next Quarter",
    ThisYear => "this_year", "This Year",
    Unknown => "unknown", "Unknown",
});

option_set!(PurchaseProcess {
    Individual => "individual", "Individual",
    Committee => "committee", "Committee",
    Unknown => "unknown", "Unknown",
});

option_set!(Need {
    MustHave => "must_have", "Must have",
    ShouldHave => "should_have", "Should have",
    GoodToHave => "good_to_have", "Good to have",
    NoNeed => "no_need", "No need",
});

option_set!(LeadStatus {
    Open => "open", "Open",
    Qualified => "qualified", "Qualified",
    Disqualified => "disqualified", "Disqualified",
});

option_set!(LeadStatusReason {
    New => "new", "New",
    Contacted => "contacted", "Contacted",
    Qualified => "qualified", "Qualified",
    Lost => "lost", "Lost",
    CannotContact => "cannot_contact", "Cannot Contact",
    NoLongerInterested => "no_longer_interested", "No Longer Interested",
    Canceled => "canceled", "Canceled",
});

impl LeadStatusReason {
    /// The status a reason belongs to (the schema enforces the same pairing).
    pub fn status(self) -> LeadStatus {
        match self {
            LeadStatusReason::New | LeadStatusReason::Contacted => LeadStatus::Open,
            LeadStatusReason::Qualified => LeadStatus::Qualified,
            _ => LeadStatus::Disqualified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_belongs_to_one_status() {
        let disqualifying: Vec<_> = LeadStatusReason::ALL
            .iter()
            .filter(|r| r.status() == LeadStatus::Disqualified)
            .map(|r| r.label())
            .collect();
        assert_eq!(
            disqualifying,
            ["Lost", "Cannot Contact", "No Longer Interested", "Canceled"]
        );
        assert_eq!(LeadStatusReason::Contacted.status(), LeadStatus::Open);
    }

    #[test]
    fn product_option_values_are_all_present() {
        assert_eq!(LeadSource::ALL.len(), 10);
        assert_eq!(LeadSource::WordOfMouth.label(), "Word of Mouth");
        assert_eq!(BudgetStatus::ALL.len(), 4);
        assert_eq!(PurchaseTimeframe::ALL.len(), 5);
        assert_eq!(Need::ALL.len(), 4);
    }
}
