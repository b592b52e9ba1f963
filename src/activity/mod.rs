//! Activities: notes, phone calls, tasks and appointments on a record's timeline.

use crate::option_set;

option_set!(ActivityKind {
    Note => "note", "Note",
    PhoneCall => "phone_call", "Phone call",
    Task => "task", "Task",
    Appointment => "appointment", "Appointment",
});

option_set!(CallDirection { Inbound => "inbound", "Inbound", Outbound => "outbound", "Outbound" });
