/// What a district's slot places must say (PostgreSQL, `v28-slot-places`), checked by the booking
/// tests and the district benchmark after their loads.
public enum SlotPlaces {
    /// A query counting the slots (those `slotFilter` keeps, an SQL condition on `s.slot_id`) where
    /// the places disagree with the bookings: a booking not cancelled that holds no place, or more
    /// than one; a place held without a hold's expiry by anything but such a booking (a place a
    /// cancellation kept); or a capacity other than the number of places.
    public static func slotsAmiss(where slotFilter: String = "true") -> String {
        """
        SELECT count(*) FROM slot_capacity s
        WHERE (\(slotFilter)) AND (
            s.capacity <> (SELECT count(*) FROM slot_place p WHERE p.slot_id = s.slot_id)
            OR EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.slot_id AND b.status <> 'cancelled'
                       AND (SELECT count(*) FROM slot_place p WHERE p.holder = b.id) <> 1)
            OR EXISTS (SELECT 1 FROM slot_place p WHERE p.slot_id = s.slot_id AND p.holder IS NOT NULL AND p.held_until IS NULL
                       AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.id = p.holder AND b.slot_id = s.slot_id
                                       AND b.status <> 'cancelled')))
        """
    }
}
