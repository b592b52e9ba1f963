//! Opportunities: potential sales driven through the sales process to won or lost.

use crate::option_set;

option_set!(OpportunityStatus { Open => "open", "Open", Won => "won", "Won", Lost => "lost", "Lost" });

option_set!(ForecastCategory {
    Pipeline => "pipeline", "Pipeline",
    BestCase => "best_case", "Best case",
    Committed => "committed", "Committed",
    Omitted => "omitted", "Omitted",
    Won => "won", "Won",
    Lost => "lost", "Lost",
});

option_set!(StakeholderRole {
    DecisionMaker => "decision_maker", "Decision Maker",
    EconomicBuyer => "economic_buyer", "Economic Buyer",
    Champion => "champion", "Champion",
    Influencer => "influencer", "Influencer",
    TechnicalBuyer => "technical_buyer", "Technical Buyer",
    EndUser => "end_user", "End User",
});
