package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tenant grants: listed tenants, every tenant only as an explicit {@code *}, never by default. */
class TenantScopeTest {

    @Test
    void grantsListedTenantsOrAllOnlyWithAStar() {
        TenantScope two = TenantScope.parse("bank_1, bank_2");
        TenantScope spaces = TenantScope.parse("bank_2 bank_1");

        assertThat(two.permits("bank_1")).isTrue();
        assertThat(two.permits("bank_3")).isFalse();
        assertThat(two.permits(null)).isFalse();
        assertThat(two).isEqualTo(spaces);
        assertThat(two.toString()).isEqualTo("bank_1,bank_2");
        assertThat(TenantScope.parse("*").permits("anything")).isTrue();
        assertThat(TenantScope.parse("*").permits(null)).isTrue();
    }

    @Test
    void refusesBlankMixedAndInvalidGrants() {
        assertThatThrownBy(() -> TenantScope.parse(" "))
                .hasMessageContaining("no tenant is granted");
        assertThatThrownBy(() -> TenantScope.parse("bank_1,*"))
                .hasMessageContaining("stands alone");
        assertThatThrownBy(() -> TenantScope.parse("bank/1"))
                .hasMessageContaining("not a valid tenant id");
    }

    @Test
    void intersectsAProxysGrantWithTheUsersGrant() {
        TenantScope proxy = TenantScope.parse("bank_1,bank_2");

        assertThat(TenantScope.ALL.intersect(proxy)).isEqualTo(proxy);
        assertThat(TenantScope.parse("bank_2,bank_3").intersect(proxy).tenants())
                .containsExactly("bank_2");
        assertThat(TenantScope.parse("bank_3").intersect(proxy).permits("bank_3")).isFalse();
    }
}
